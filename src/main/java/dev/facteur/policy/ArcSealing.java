package dev.facteur.policy;

import dev.facteur.auth.AuthenticationResults;
import dev.facteur.auth.arc.ArcResult;
import dev.facteur.auth.arc.ArcSealer;
import dev.facteur.auth.arc.ArcVerifier;
import dev.facteur.message.HeaderSection;
import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.smtp.Gate;
import dev.facteur.smtp.Reply;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals mail we forward off-site with ARC (RFC 8617 §5.1): a message from outside that an alias
 * sends to another domain carries, in an ARC set of ours, what we found about it on arrival
 * (our Authentication-Results), so that the next hop can still trust it when forwarding has
 * broken its SPF (the SRS sender is ours) or a DKIM signature.
 */
public final class ArcSealing implements Gate {

    private static final Logger log = LoggerFactory.getLogger("facteur.arc");

    private final Gate inner;
    private final ArcSealer sealer;
    private final ArcVerifier verifier;
    private final String authservId;
    private final Predicate<InetAddress> relayNetworks;
    private final BiPredicate<InetAddress, Mailbox> forwardedOffSite;

    /** @param forwardedOffSite whether a recipient a client gave goes (through an alias) to a domain we do not serve */
    public ArcSealing(Gate inner, ArcSealer sealer, ArcVerifier verifier, String authservId, Predicate<InetAddress> relayNetworks,
            BiPredicate<InetAddress, Mailbox> forwardedOffSite) {
        this.inner = inner;
        this.sealer = sealer;
        this.verifier = verifier;
        this.authservId = authservId;
        this.relayNetworks = relayNetworks;
        this.forwardedOffSite = forwardedOffSite;
    }

    @Override
    public Session open(InetAddress client) {
        return new SealingSession(inner.open(client), client);
    }

    private final class SealingSession extends ForwardingSession {

        private final InetAddress client;
        private final boolean trusted;
        private boolean loggedIn, forwarding;
        private QueueId id;

        SealingSession(Session inner, InetAddress client) {
            super(inner);
            this.client = client;
            this.trusted = relayNetworks.test(client);
        }

        @Override
        public void authenticated(String user, String mechanism) {
            loggedIn = true;
            super.authenticated(user, mechanism);
        }

        @Override
        public Reply mail(QueueId id, ReversePath sender, long size) {
            this.id = id;
            forwarding = false;
            return super.mail(id, sender, size);
        }

        @Override
        public Reply rcpt(Mailbox recipient) {
            Reply r = super.rcpt(recipient);
            if (r == null && !trusted && !loggedIn && forwardedOffSite.test(client, recipient)) forwarding = true;
            return r;
        }

        @Override
        public boolean readsContent() {
            return forwarding || super.readsContent();
        }

        @Override
        public EndOfData endOfData(Content content) throws IOException {
            EndOfData decision = super.endOfData(content);
            if (forwarding && decision instanceof EndOfData.Pass) seal(content);
            return decision;
        }

        @Override
        public void reset() {
            forwarding = false;
            super.reset();
        }

        private void seal(Content content) throws IOException {
            ArcResult chain;
            try (InputStream in = content.open()) {
                chain = verifier.verify(in);
            }
            List<String> resinfo = ourResults(content);
            ArcSealer.Sealing sealing;
            try (InputStream in = new BufferedInputStream(content.open(), 65536)) {
                sealing = sealer.seal(in, chain, resinfo);
            } catch (GeneralSecurityException e) {
                log.warn("{}: not sealed with ARC: {}", id, e.getMessage());
                return;
            }
            switch (sealing) {
                case ArcSealer.Sealing.Sealed s -> {
                    content.rewrite((current, next) -> {
                        for (String f : s.fields()) next.write(f.getBytes(StandardCharsets.ISO_8859_1));
                        current.transferTo(next);
                    });
                    log.info("{}: sealed with ARC: i={} cv={}", id, s.instance(), s.cv().name().toLowerCase(java.util.Locale.ROOT));
                }
                case ArcSealer.Sealing.NotSealed n -> log.info("{}: not sealed with ARC: {}", id, n.reason());
            }
        }

        /** What our Authentication-Results field says, for the ARC-Authentication-Results of our set. */
        private List<String> ourResults(Content content) throws IOException {
            try (InputStream in = new BufferedInputStream(content.open(), 8192)) {
                for (String f : HeaderSection.fields(HeaderSection.read(in, 1 << 20))) {
                    if (HeaderSection.name(f).equals("authentication-results")
                            && AuthenticationResults.claims(HeaderSection.value(f), authservId))
                        return AuthenticationResults.resinfo(HeaderSection.value(f));
                }
            }
            return List.of();
        }
    }
}

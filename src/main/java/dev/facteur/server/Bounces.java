package dev.facteur.server;

import dev.facteur.bounce.BounceProcessor;
import dev.facteur.bounce.Verp;
import dev.facteur.bounce.VerpDecoded;
import dev.facteur.bounce.VerpEncoded;
import dev.facteur.bounce.VerpSecrets;
import dev.facteur.config.Config;
import dev.facteur.delivery.DeliveryAgent;
import dev.facteur.delivery.SenderRewrite;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.ReversePath;
import dev.facteur.net.Cidr;
import dev.facteur.routing.BounceDomain;
import dev.facteur.smtp.Reply;
import dev.facteur.store.StoreUnavailable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounce domain ({@code [bounces]}) put together: which of its addresses take mail, the
 * VERP return paths of our senders' mail, and the reading of what comes back.
 */
final class Bounces {

    private static final Logger log = LoggerFactory.getLogger("facteur.bounce");

    /** A report is read up to this many octets: the parts that say what happened come first, the returned message last. */
    static final int MAX_REPORT = 2 * 1024 * 1024;

    private Bounces() {}

    /**
     * The VERP signer of {@code [bounces]}; null when there is no bounce domain. {@code create}:
     * the server's start makes the secrets file when missing; otherwise a missing file means none.
     */
    static Verp verp(Config config, boolean create) throws IOException {
        var b = config.bounces();
        if (b.domain().isEmpty()) return null;
        if (!create && !Files.isReadable(b.secretsFile())) return null;
        if (create && !Files.exists(b.secretsFile())) log.info("VERP secret written to {}", b.secretsFile());
        VerpSecrets secrets = create ? VerpSecrets.readOrCreate(b.secretsFile()) : VerpSecrets.read(b.secretsFile());
        return new Verp(secrets, b.prefix(), Clock.systemUTC(), b.maxAge());
    }

    /**
     * The addresses of the bounce domain that exist: our VERP addresses, its report addresses, and
     * its postmaster (routing's). {@code verp} null: the secrets are not there yet (a command run
     * before the server's first start), and no VERP address can be told from a forged one.
     */
    static BounceDomain domain(Config config, Verp verp) {
        String domain = config.bounces().domain().orElseThrow();
        List<String> reports = config.bounces().reportAddresses();
        Reply unknown = new Reply(550, "5.1.1", "Recipient address rejected: User unknown");
        return new BounceDomain() {
            @Override
            public String domain() {
                return domain;
            }

            @Override
            public Optional<Reply> refusal(Mailbox address) {
                if (reports.contains(address.localPart().toLowerCase(Locale.ROOT))) return Optional.empty();
                if (verp == null) return Optional.of(new Reply(550, "5.1.1", "Recipient address rejected: no VERP secrets in "
                        + config.bounces().secretsFile() + " yet (the server makes them at its first start)"));
                return switch (verp.decode(address)) {
                    case VerpDecoded.Recipient r -> Optional.empty();
                    case VerpDecoded.NotVerp n -> Optional.of(unknown);
                    // a made-up, damaged or stale tag: no backscatter can suppress an address, and no bounce outlives its message
                    case VerpDecoded refused -> Optional.of(new Reply(550, "5.1.1", "Recipient address rejected: " + switch (refused) {
                        case VerpDecoded.Expired e -> "the return path expired " + (e.ageDays() - e.maxAgeDays()) + " days ago";
                        default -> "not a return path of ours";
                    }));
                };
            }
        };
    }

    /**
     * Our own senders' mail leaves with VERP return paths in the bounce domain, a transaction per
     * recipient; the rest as {@code others} says (SRS for forwarded mail). {@code senders}: the
     * sender domains whose mail gets VERP, empty for all: a bounce to a VERP address is read, not
     * passed on, so a person who sends through the same server from another domain keeps
     * getting their bounces.
     */
    static SenderRewrite returnPaths(Verp verp, String bounceDomain, SenderRewrite others, List<Cidr> relayNetworks, List<String> senders) {
        return new SenderRewrite() {
            @Override
            public boolean perRecipient(Envelope envelope) {
                return envelope.sender().mailbox().filter(m -> m.hasDomain() && !m.domainKey().equals(bounceDomain)
                        && (senders.isEmpty() || senders.contains(m.domainKey()))).isPresent()
                        && SrsForwarding.fromOurOwn(envelope.client(), relayNetworks);
            }

            @Override
            public ReversePath mailFrom(Envelope envelope, Mailbox recipient) {
                if (!perRecipient(envelope) || !recipient.hasDomain()) return others.mailFrom(envelope, recipient);
                return switch (verp.encode(recipient, bounceDomain)) {
                    case VerpEncoded.Tagged t -> ReversePath.of(t.returnPath());
                    case VerpEncoded.TooLong t -> {
                        log.info("{}: <{}> goes with its own sender: its VERP form would take {} octets", envelope.id(), recipient,
                                t.localPartOctets());
                        yield envelope.sender();
                    }
                };
            }
        };
    }

    /**
     * The transport of the bounce domain's mail: each report read and acted on, then gone. A
     * store that cannot be reached leaves the report in the queue, to be read again.
     */
    static DeliveryAgent.Mailboxes reader(BounceProcessor processor) {
        return (env, rcpt, content) -> {
            byte[] message;
            try (InputStream in = content.open()) {
                message = in.readNBytes(MAX_REPORT);
            } catch (IOException e) {
                return new Reply(451, "4.3.0", "Cannot read the report from the spool: " + e.getMessage());
            }
            try {
                return switch (processor.process(rcpt, message)) {
                    case BounceProcessor.Handled.Bounced b -> new Reply(250, "2.0.0", "Bounce read: " + BounceProcessor.token(b.bounceClass()));
                    case BounceProcessor.Handled.Complained c -> new Reply(250, "2.0.0", "Complaint read");
                    case BounceProcessor.Handled.Ignored i -> new Reply(250, "2.0.0", "Read and dropped: " + i.why());
                };
            } catch (StoreUnavailable e) {
                return new Reply(451, "4.3.0", "The suppression list cannot be reached: " + e.getMessage());
            }
        };
    }
}

package dev.facteur.policy;

import dev.facteur.message.HeaderSection;
import dev.facteur.smtp.Gate;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds a {@code Feedback-ID:} field to the mail of trusted senders, before it is signed: the
 * feedback loops of large receivers (Gmail's, first) report complaint rates per value of it, so
 * a sender learns which of its streams people complain about. The value is
 * {@code SENDER-DOMAIN:STREAM:SENDER-ID}: the envelope sender's domain (the customer), the pool
 * its mail leaves from (the kind of mail: bulk, transactional...), and the configured identifier
 * of this sending platform. A message that already has one (the application set it) keeps it.
 */
public final class FeedbackIds implements Gate {

    private static final Logger log = LoggerFactory.getLogger("facteur.policy");
    private static final int MAX_HEADER = 1 << 20;

    private final Gate inner;
    private final String senderId;
    private final Function<String, String> streamOf;
    private final Predicate<InetAddress> relayNetworks;

    /**
     * @param senderId identifies this platform, the last field
     * @param streamOf the stream (pool) of a sender domain's mail, null for {@code default}
     */
    public FeedbackIds(Gate inner, String senderId, Function<String, String> streamOf, Predicate<InetAddress> relayNetworks) {
        if (!senderId.matches("[A-Za-z0-9._-]+")) throw new IllegalArgumentException("a sender id is letters, digits, '.', '_' or '-'");
        this.inner = inner;
        this.senderId = senderId;
        this.streamOf = streamOf;
        this.relayNetworks = relayNetworks;
    }

    /** The field's value for mail from {@code senderDomain}. */
    String value(String senderDomain) {
        String stream = streamOf.apply(senderDomain);
        return senderDomain.toLowerCase(Locale.ROOT) + ":" + (stream == null ? "default" : stream) + ":" + senderId;
    }

    @Override
    public Session open(InetAddress client) {
        return new Tagging(inner.open(client), relayNetworks.test(client));
    }

    private final class Tagging extends TrustedSenderSession {

        Tagging(Session inner, boolean relayClient) {
            super(inner, relayClient);
        }

        /** The envelope sender's domain, lower case: null for the null sender or one without a domain. */
        private String senderDomain() {
            if (sender() == null) return null; // no MAIL yet
            return sender().mailbox().filter(m -> m.hasDomain()).map(m -> m.domainKey()).orElse(null);
        }

        @Override
        public boolean readsContent() {
            return trusted() && senderDomain() != null || inner.readsContent();
        }

        @Override
        void passed(Content content, EndOfData.Pass pass) throws IOException {
            String senderDomain = senderDomain();
            if (senderDomain == null) return;
            String header;
            try (InputStream in = content.open()) {
                header = HeaderSection.read(in, MAX_HEADER);
            }
            if (header == null || HeaderSection.fields(header).stream().anyMatch(f -> HeaderSection.name(f).equalsIgnoreCase("Feedback-ID")))
                return;
            String field = "Feedback-ID: " + value(senderDomain) + "\r\n";
            content.rewrite((current, next) -> {
                next.write(field.getBytes(StandardCharsets.US_ASCII));
                current.transferTo(next);
            });
            log.debug("{}: {}", id(), field.strip());
        }
    }
}

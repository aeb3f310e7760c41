package dev.facteur.policy;

import dev.facteur.auth.dkim.SignatureWriter;
import dev.facteur.auth.dkim.Signers;
import dev.facteur.auth.dkim.SigningKey;
import dev.facteur.message.HeaderSection;
import dev.facteur.message.Mailbox;
import dev.facteur.mime.SevenBitDowngrade;
import dev.facteur.smtp.Gate;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs the mail of trusted senders (clients that logged in, relay networks) with DKIM once it is
 * accepted, after the checks and the mail filters, so that the signature covers the message as
 * it is stored and every retry sends the same signed bytes.
 *
 * <p>A message with 8-bit content is made 7-bit first (RFC 6376 §5.3): the next hop is not known
 * yet, and a server without 8BITMIME would otherwise get a converted copy whose signature no
 * longer verifies. A message that cannot be made 7-bit (UTF-8 in its header) is signed as it is.
 */
public final class DkimSigning implements Gate {

    private static final Logger log = LoggerFactory.getLogger("facteur.dkim");

    /** Converted messages are held in memory, as the delivery's own conversion does; bigger ones are signed as they are. */
    private static final long MAX_CONVERSION = 16L * 1024 * 1024;

    private final Gate inner;
    private final Signers signers;
    private final SignatureWriter writer;
    private final Predicate<InetAddress> relayNetworks;
    private final Clock clock;

    public DkimSigning(Gate inner, Signers signers, SignatureWriter writer, Predicate<InetAddress> relayNetworks, Clock clock) {
        this.inner = inner;
        this.signers = signers;
        this.writer = writer;
        this.relayNetworks = relayNetworks;
        this.clock = clock;
    }

    @Override
    public Session open(InetAddress client) {
        return new SigningSession(inner.open(client), relayNetworks.test(client));
    }

    private final class SigningSession extends TrustedSenderSession {

        SigningSession(Session inner, boolean relayClient) {
            super(inner, relayClient);
        }

        @Override
        void passed(Content content, EndOfData.Pass pass) throws IOException {
            sign(content);
        }

        /**
         * One pass over the content hashes it and finds its From domain and whether it has 8-bit
         * bytes; an 8-bit one is converted and hashed again; then one rewrite puts the
         * signatures on top.
         */
        private void sign(Content content) throws IOException {
            String from = null;
            try {
                SignatureWriter.Sink sink = writer.sink();
                boolean eightBit;
                try (InputStream in = content.open()) {
                    eightBit = copy(in, sink);
                }
                List<Mailbox> authors = HeaderSection.fromAddresses(sink.headerFields());
                if (authors.isEmpty() || !authors.getFirst().hasDomain()) return;
                from = authors.getFirst().domainKey();
                List<SigningKey> keys = signers.keysFor(from, login());
                if (keys.isEmpty()) return;
                byte[] sevenBit = eightBit ? sevenBit(content) : null;
                if (sevenBit != null) {
                    sink = writer.sink();
                    sink.write(sevenBit, 0, sevenBit.length);
                }
                List<String> signatures = sink.signatures(keys, clock.instant());
                content.rewrite((current, next) -> {
                    for (String s : signatures) next.write(s.getBytes(StandardCharsets.ISO_8859_1));
                    if (sevenBit != null) next.write(sevenBit);
                    else current.transferTo(next);
                });
                log.info("{}: signed: d={} s={}{}", id(), keys.getFirst().domain(),
                        String.join(",", keys.stream().map(SigningKey::selector).toList()), sevenBit != null ? " (made 7-bit first)" : "");
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                log.warn("{}: not signed with DKIM{}: {}", id(), from == null ? "" : " for " + from, e.getMessage());
            }
        }
    }

    /** Copies {@code in} to {@code out}; whether any byte had its high bit set. */
    private static boolean copy(InputStream in, java.io.OutputStream out) throws IOException {
        boolean eightBit = false;
        byte[] buf = new byte[65536];
        for (int n; (n = in.read(buf)) > 0; ) {
            out.write(buf, 0, n);
            for (int i = 0; i < n && !eightBit; i++) eightBit = buf[i] < 0;
        }
        return eightBit;
    }

    /** The content made 7-bit, or null when it cannot be (UTF-8 in its header) or is too big to convert in memory. */
    private static byte[] sevenBit(Content content) throws IOException {
        byte[] original;
        try (InputStream in = content.open()) {
            original = in.readNBytes((int) MAX_CONVERSION + 1);
        }
        if (original.length > MAX_CONVERSION) return null;
        return switch (SevenBitDowngrade.convert(original)) {
            case SevenBitDowngrade.Result.Converted c -> c.content();
            case SevenBitDowngrade.Result.Impossible i -> null;
        };
    }
}

package dev.facteur.auth.dkim;

import dev.facteur.message.HeaderSection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Writes the {@code DKIM-Signature:} fields of a message (RFC 6376 §5): one per key, all with
 * relaxed/relaxed canonicalization, {@code t=}, no {@code l=} (a signature that covers only part of
 * the body lets anyone append to it), and the body hashed once for every key as it streams.
 */
public final class SignatureWriter {

    /**
     * Which fields are signed. {@code signed}: each occurrence in the message is signed.
     * {@code oversigned}: signed once more than it occurs, absent ones too, so that a field of
     * that name added below the signature (a second {@code From:}) breaks it (RFC 6376 §8.15).
     */
    public record Settings(List<String> signed, List<String> oversigned, Optional<Duration> expire) {

        /**
         * The fields that carry a message's meaning: who it is from and to, what it says, what
         * it answers, how it is encoded, and the list headers readers act on.
         */
        public static final List<String> SIGNED = List.of("sender", "date", "message-id", "in-reply-to", "references",
                "mime-version", "content-type", "content-transfer-encoding", "content-language", "resent-date", "resent-from",
                "resent-sender", "resent-to", "resent-cc", "resent-message-id", "list-id", "list-help", "list-unsubscribe",
                "list-unsubscribe-post", "list-subscribe", "list-post", "list-owner", "list-archive", "feedback-id", "autocrypt",
                "openpgp");

        /** The fields nobody must be able to add: the ones a reader sees first. */
        public static final List<String> OVERSIGNED = List.of("from", "reply-to", "subject", "to", "cc");

        public static final Settings DEFAULT = new Settings(SIGNED, OVERSIGNED, Optional.empty());

        public Settings {
            signed = signed.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
            oversigned = oversigned.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
            if (!oversigned.contains("from")) throw new IllegalArgumentException("From is always over-signed (RFC 6376 §5.4)");
        }
    }

    /** A header section longer than this is not signed: it is not mail a person wrote. */
    static final int MAX_HEADER = 1 << 20;

    private final Settings settings;

    public SignatureWriter(Settings settings) {
        this.settings = settings;
    }

    /**
     * The signature fields for {@code message} (CRLF line ends, as stored), one per key, each
     * folded and ending in CRLF, in the order of {@code keys}; to be put above the message.
     *
     * @throws IllegalArgumentException when the message cannot be signed: no {@code From:}
     *                                  (§5.4: it is required), or a header section too long
     */
    public List<String> sign(InputStream message, List<SigningKey> keys, Instant now) throws IOException, GeneralSecurityException {
        Sink sink = new Sink();
        message.transferTo(sink);
        return sink.signatures(keys, now);
    }

    /**
     * Where a message is written to be signed, for a message that is written rather than read
     * (a report): the header section is held, the body hashed as it passes.
     */
    public Sink sink() {
        return new Sink();
    }

    /** The message as it is written: {@link #signatures} once it is whole. */
    public final class Sink extends OutputStream {

        private final ByteArrayOutputStream header = new ByteArrayOutputStream(4096);
        private final BodyHash body = new BodyHash(Canonicalization.RELAXED, "SHA-256");
        private boolean inBody;
        private int previous = -1, lineLength;

        private Sink() {}

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (inBody) {
                body.write(b, off, len);
                return;
            }
            for (int i = off; i < off + len; i++) {
                header.write(b[i]);
                if (header.size() > MAX_HEADER) throw new IllegalArgumentException("a header section over " + MAX_HEADER + " bytes");
                if (b[i] == '\n' && previous == '\r') {
                    if (lineLength == 1) { // the CRLF of the empty line: the body follows
                        inBody = true;
                        body.write(b, i + 1, off + len - i - 1);
                        return;
                    }
                    lineLength = 0;
                } else {
                    lineLength++;
                }
                previous = b[i];
            }
        }

        /** The header fields written so far, each whole. */
        public List<String> headerFields() {
            return HeaderSection.fields(header.toString(StandardCharsets.ISO_8859_1));
        }

        /** The signature fields, one per key, in their order; each folded and ending in CRLF. */
        public List<String> signatures(List<SigningKey> keys, Instant now) throws GeneralSecurityException {
            List<String> fields = headerFields();
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (String f : fields) counts.merge(HeaderSection.name(f), 1, Integer::sum);
            if (!counts.containsKey("from")) throw new IllegalArgumentException("no From: field, which DKIM requires (RFC 6376 §5.4)");
            String bh = Base64.getEncoder().encodeToString(body.digest());

            List<String> names = new ArrayList<>();
            for (String n : settings.oversigned()) for (int i = 0; i <= counts.getOrDefault(n, 0); i++) names.add(n);
            for (String n : settings.signed())
                if (!settings.oversigned().contains(n)) for (int i = 0; i < counts.getOrDefault(n, 0); i++) names.add(n);

            List<String> out = new ArrayList<>();
            for (SigningKey key : keys) {
                String unsigned = unsignedField(key, names, bh, now);
                String b = DkimSigner.sign(fields, names, Canonicalization.RELAXED, unsigned, key.key());
                out.add(unsigned + fold(b) + "\r\n");
            }
            return out;
        }
    }

    /** The field with every tag but the signature, ending in {@code b=}: what §3.7 hashes. */
    private String unsignedField(SigningKey key, List<String> names, String bh, Instant now) {
        long t = now.getEpochSecond();
        StringBuilder f = new StringBuilder("DKIM-Signature: v=1; a=").append(key.key().algorithm()).append("; c=relaxed/relaxed;\r\n\td=")
                .append(key.domain()).append("; s=").append(key.selector()).append("; t=").append(t).append(';');
        settings.expire().ifPresent(x -> f.append(" x=").append(t + x.toSeconds()).append(';'));
        f.append("\r\n\th=");
        int line = 3;
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i) + (i < names.size() - 1 ? ":" : ";");
            if (line + n.length() > 76) {
                f.append("\r\n\t ");
                line = 2;
            }
            f.append(n);
            line += n.length();
        }
        return f.append("\r\n\tbh=").append(bh).append(";\r\n\tb=").toString();
    }

    /** The base64 signature in lines a mail reader keeps (white space inside b= is ignored, §3.5). */
    private static String fold(String b) {
        StringBuilder out = new StringBuilder(b.length() + b.length() / 32);
        for (int i = 0; i < b.length(); i += 72) {
            if (i > 0) out.append("\r\n\t ");
            out.append(b, i, Math.min(b.length(), i + 72));
        }
        return out.toString();
    }
}

package dev.facteur.auth.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What the signature fields say: the tags a receiver reads, the fields covered, and nothing that weakens them. */
class SignatureWriterTest {

    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final String MESSAGE = "From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: Hi\r\n"
            + "Date: Wed, 2 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@example.org>\r\nX-Mailer: test\r\n\r\nHello.\r\n";

    private static SigningKey key(String algorithm, String selector) throws Exception {
        KeyPair pair = DkimKeys.generate(algorithm, 2048);
        return new SigningKey("example.org", selector,
                new DkimSigner.Key(algorithm.equals("rsa") ? "rsa-sha256" : "ed25519-sha256", pair.getPrivate()));
    }

    private static List<String> sign(String message, SignatureWriter.Settings settings, SigningKey... keys) throws Exception {
        return new SignatureWriter(settings).sign(new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)), List.of(keys), NOW);
    }

    private static String tag(String field, String name) {
        Matcher m = Pattern.compile("(?:^|;)\\s*" + name + "=([^;]*)").matcher(field.substring(field.indexOf(':') + 1));
        return m.find() ? m.group(1).replaceAll("\\s+", "") : null;
    }

    @Test
    void one_signature_per_key_relaxed_with_the_time_and_no_body_length() throws Exception {
        List<String> fields = sign(MESSAGE, SignatureWriter.Settings.DEFAULT, key("rsa", "rsa1"), key("ed25519", "ed1"));
        assertThat(fields).hasSize(2);
        assertThat(tag(fields.get(0), "a")).isEqualTo("rsa-sha256");
        assertThat(tag(fields.get(1), "a")).isEqualTo("ed25519-sha256");
        for (String f : fields) {
            assertThat(f).startsWith("DKIM-Signature: v=1;").endsWith("\r\n");
            assertThat(tag(f, "c")).isEqualTo("relaxed/relaxed");
            assertThat(tag(f, "d")).isEqualTo("example.org");
            assertThat(tag(f, "t")).isEqualTo(String.valueOf(NOW.getEpochSecond()));
            assertThat(tag(f, "l")).isNull();
            assertThat(tag(f, "x")).isNull();
            assertThat(f.split("\r\n")).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(78));
        }
        assertThat(tag(fields.get(0), "s")).isEqualTo("rsa1");
        assertThat(Base64.getDecoder().decode(tag(fields.get(0), "b"))).hasSize(256);
        assertThat(Base64.getDecoder().decode(tag(fields.get(1), "b"))).hasSize(64);
    }

    @Test
    void from_and_the_fields_a_reader_sees_are_signed_once_more_than_they_occur() throws Exception {
        String h = tag(sign(MESSAGE, SignatureWriter.Settings.DEFAULT, key("ed25519", "ed1")).getFirst(), "h");
        assertThat(h.split(":")).containsSubsequence("from", "from").containsSubsequence("to", "to")
                .containsSubsequence("subject", "subject").contains("reply-to", "cc", "date", "message-id").doesNotContain("x-mailer");
        assertThat(h.split(":")).filteredOn("date"::equals).hasSize(1);
        assertThat(h.split(":")).filteredOn("reply-to"::equals).hasSize(1); // absent: over-signed once, so none can be added
    }

    @Test
    void the_body_hash_is_that_of_the_relaxed_body() throws Exception {
        var expected = new BodyHash(Canonicalization.RELAXED, "SHA-256");
        expected.write("Hello.\r\n".getBytes(StandardCharsets.US_ASCII));
        String bh = tag(sign(MESSAGE + "\r\n\r\n", SignatureWriter.Settings.DEFAULT, key("ed25519", "ed1")).getFirst(), "bh");
        assertThat(bh).isEqualTo(Base64.getEncoder().encodeToString(expected.digest()));
    }

    @Test
    void an_expiry_when_configured() throws Exception {
        var settings = new SignatureWriter.Settings(SignatureWriter.Settings.SIGNED, SignatureWriter.Settings.OVERSIGNED,
                Optional.of(Duration.ofDays(7)));
        String f = sign(MESSAGE, settings, key("ed25519", "ed1")).getFirst();
        assertThat(tag(f, "x")).isEqualTo(String.valueOf(NOW.plus(Duration.ofDays(7)).getEpochSecond()));
    }

    @Test
    void a_message_without_from_is_not_signed() throws Exception {
        SigningKey k = key("ed25519", "ed1");
        assertThatThrownBy(() -> sign("To: bob@example.net\r\n\r\nHi\r\n", SignatureWriter.Settings.DEFAULT, k))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("From");
    }

    @Test
    void from_cannot_be_left_out_of_the_over_signed_fields() {
        assertThatThrownBy(() -> new SignatureWriter.Settings(List.of("subject"), List.of("to"), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

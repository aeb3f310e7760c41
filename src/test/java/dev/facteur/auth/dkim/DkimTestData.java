package dev.facteur.auth.dkim;

import dev.facteur.testing.TestResources;
import dev.facteur.dns.TxtAnswer;
import dev.facteur.message.HeaderSection;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.tls.PemTls;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The DKIM tests' data: conformance files under {@code src/test/resources/dev/facteur/auth/dkim},
 * the DNS they describe, and a signer built on {@link DkimSigner} that writes a whole signed message.
 */
final class DkimTestData {

    private DkimTestData() {}

    static byte[] bytes(String resource) {
        return TestResources.bytes(DkimTestData.class, resource);
    }

    static String text(String resource) {
        return TestResources.text(DkimTestData.class, resource);
    }

    static Path path(String resource) {
        try {
            return Path.of(DkimTestData.class.getResource(resource).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(String resource) {
        return new JsonMapper().readTree(bytes(resource));
    }

    /** Every bare LF made CRLF: the wire form of the files stored with Unix line ends. */
    static String crlf(String text) {
        return text.replaceAll("(?<!\r)\n", "\r\n");
    }

    static InputStream stream(String message) {
        return new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1));
    }

    static Clock at(long epochSecond) {
        return Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC);
    }

    /**
     * A resolver serving {@code NAME VALUE} lines (the conformance folders' DNS files): several
     * lines for one name are several records; NXDOMAIN, {@code ~~Query timed out~~} and
     * {@code ~~SERVFAIL~~} are those answers (the DNS errors answer at once rather than wait);
     * {@code ""} is an empty record; lines starting with # or ; are comments.
     */
    static FakeDnsResolver dns(String records) {
        Map<String, List<String>> txt = new LinkedHashMap<>();
        FakeDnsResolver dns = new FakeDnsResolver();
        for (String line : records.split("\r?\n")) {
            if (line.isBlank() || line.startsWith("#") || line.startsWith(";")) continue;
            String[] nameValue = line.strip().split("\\s+", 2);
            String name = nameValue[0], value = nameValue.length > 1 ? nameValue[1].strip() : "";
            switch (value) {
                case "NXDOMAIN" -> dns.withTxt(name, new TxtAnswer.NxDomain());
                case "~~Query timed out~~", "~~SERVFAIL~~" -> dns.withTxt(name, new TxtAnswer.TempFail(value.replace("~", "")));
                default -> txt.computeIfAbsent(name, n -> new ArrayList<>()).add(value.equals("\"\"") ? "" : value);
            }
        }
        txt.forEach((name, values) -> dns.withTxt(name, new TxtAnswer.Records(values)));
        return dns;
    }

    /** A mail-auth file: its DNS lines, an empty line, then the message with LF line ends. */
    record DnsAndMessage(String dns, String message) {
        static DnsAndMessage of(String file) {
            String text = text(file);
            int split = text.indexOf("\n\n");
            return new DnsAndMessage(text.substring(0, split), crlf(text.substring(split + 2)));
        }
    }

    /** An RSA key from PEM (PKCS#1 or PKCS#8), or an Ed25519 key from the base64 of its 32-byte seed. */
    static PrivateKey privateKey(String resource) throws Exception {
        String text = text(resource);
        if (text.contains("-----BEGIN")) return PemTls.readKey(path(resource));
        byte[] seed = Base64.getDecoder().decode(text.strip());
        return KeyFactory.getInstance("Ed25519").generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
    }

    /** How a test signs: which key, for whom, how, and what. */
    record Signing(DkimSigner.Key key, String domain, String selector, String canonicalization, List<String> signedHeaders,
            OptionalLong bodyLength, long timestamp) {

        static Signing of(String algorithm, PrivateKey key, String domain, String selector) {
            return new Signing(new DkimSigner.Key(algorithm, key), domain, selector, "relaxed/relaxed",
                    List.of("from", "from", "to", "subject", "date", "message-id"), OptionalLong.empty(), 1_700_000_000L);
        }

        Signing canonicalization(String c) {
            return new Signing(key, domain, selector, c, signedHeaders, bodyLength, timestamp);
        }

        Signing signedHeaders(String... names) {
            return new Signing(key, domain, selector, canonicalization, List.of(names), bodyLength, timestamp);
        }

        Signing bodyLength(long l) {
            return new Signing(key, domain, selector, canonicalization, signedHeaders, OptionalLong.of(l), timestamp);
        }

        /** {@code message} (CRLF) with a DKIM-Signature field added on top. */
        String sign(String message) throws Exception {
            int end = message.indexOf("\r\n\r\n");
            String header = end < 0 ? message : message.substring(0, end + 2);
            String body = end < 0 ? "" : message.substring(end + 4);
            String[] c = canonicalization.split("/");
            BodyHash bh = new BodyHash(Canonicalization.of(c[1]), "SHA-256", bodyLength.orElse(Long.MAX_VALUE));
            bh.write(body.getBytes(StandardCharsets.ISO_8859_1));
            String template = "DKIM-Signature: v=1; a=" + key.algorithm() + "; c=" + canonicalization + "; d=" + domain
                    + "; s=" + selector + ";\r\n\tt=" + timestamp + (bodyLength.isPresent() ? "; l=" + bodyLength.getAsLong() : "")
                    + "; h=" + String.join(":", signedHeaders) + ";\r\n\tbh=" + Base64.getEncoder().encodeToString(bh.digest())
                    + ";\r\n\tb=";
            List<String> fields = HeaderSection.fields(header);
            String b = DkimSigner.sign(fields, signedHeaders, Canonicalization.of(c[0]), template, key);
            return template + fold(b) + "\r\n" + message;
        }

        private static String fold(String b) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < b.length(); i += 64) out.append(i == 0 ? "" : "\r\n\t ").append(b, i, Math.min(b.length(), i + 64));
            return out.toString();
        }
    }
}

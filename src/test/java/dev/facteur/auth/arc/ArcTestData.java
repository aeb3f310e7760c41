package dev.facteur.auth.arc;

import dev.facteur.testing.TestResources;
import dev.facteur.testing.FakeDnsResolver;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** The ARC tests' data: the conformance files under {@code src/test/resources/dev/facteur/auth/arc} and what they need. */
final class ArcTestData {

    /** When the tests run: any time does, for ARC has no expiry of its own; the suite's seals say t=12345. */
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC);

    private ArcTestData() {}

    static byte[] bytes(String resource) {
        return TestResources.bytes(ArcTestData.class, resource);
    }

    static String text(String resource) {
        return TestResources.text(ArcTestData.class, resource);
    }

    /**
     * The documents of a YAML stream (the ValiMail suite: one scenario each). The suite writes its
     * empty expectations as a literal block scalar whose only line holds more spaces than the
     * block's indentation ({@code cv: |} then six spaces). PyYAML, which the suite was written
     * for, reads that as empty; SnakeYAML refuses it, so such blank lines are emptied first. Only
     * blank lines right after an empty-looking {@code key: |} are touched: elsewhere spaces on a
     * blank line may be message content.
     */
    static List<JsonNode> yamlDocuments(String resource) {
        List<JsonNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> it = new YAMLMapper().readerFor(JsonNode.class).readValues(emptyBlankScalars(text(resource)))) {
            while (it.hasNext()) documents.add(it.next());
        }
        return documents;
    }

    private static String emptyBlankScalars(String yaml) {
        String[] lines = yaml.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            if (!lines[n].matches("\\s*[A-Za-z-]+:\\s*\\|\\s*")) continue;
            for (int blank = n + 1; blank < lines.length && lines[blank].isBlank(); blank++) lines[blank] = "";
        }
        return String.join("\n", lines);
    }

    /** Every bare LF made CRLF: the wire form of a message stored with Unix line ends. */
    static String crlf(String text) {
        return text.replaceAll("(?<!\r)\n", "\r\n");
    }

    static InputStream stream(String message) {
        return new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * A scenario's {@code txt-records}: each name's value served as one TXT record. The values are
     * YAML folded scalars, so folding leaves spaces inside base64, which a key record ignores
     * (RFC 6376 §3.6.1).
     */
    static FakeDnsResolver dns(JsonNode txtRecords) {
        FakeDnsResolver dns = new FakeDnsResolver();
        if (txtRecords == null) return dns;
        for (Map.Entry<String, JsonNode> record : txtRecords.properties()) dns.withTxt(record.getKey(), record.getValue().asString());
        return dns;
    }

    /** A mail-auth file: DNS {@code NAME VALUE} lines, an empty line, then the message with LF line ends. */
    record DnsAndMessage(FakeDnsResolver dns, String message) {
        static DnsAndMessage of(String resource) {
            String text = text(resource);
            int split = text.indexOf("\n\n");
            FakeDnsResolver dns = new FakeDnsResolver();
            for (String line : text.substring(0, split).split("\n")) {
                String[] nameValue = line.strip().split("\\s+", 2);
                dns.withTxt(nameValue[0], nameValue[1]);
            }
            return new DnsAndMessage(dns, crlf(text.substring(split + 2)));
        }
    }
}

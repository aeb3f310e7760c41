package dev.facteur.mime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.ExternalProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** RFC 6152 §3: an 8-bit message made 7-bit, as a MIME reader (Python's email package) sees it. */
class SevenBitDowngradeIT {

    @TempDir
    Path dir;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] converted(String message) {
        var r = SevenBitDowngrade.convert(utf8(message));
        assertThat(r).isInstanceOf(SevenBitDowngrade.Result.Converted.class);
        return ((SevenBitDowngrade.Result.Converted) r).content();
    }

    /** What Python's email package makes of it. */
    private JsonNode parsed(byte[] message) throws Exception {
        Path file = Files.createTempFile(dir, "m", ".eml");
        Files.write(file, message);
        return ExternalProcess.python("/it/mime_parts.py", file.toString());
    }

    private static String hex(String s) {
        return HexFormat.of().formatHex(utf8(s));
    }

    @Test
    void anEightBitTextBecomesQuotedPrintableWithTheSameText() throws Exception {
        String body = "Un café, s'il vous plaît = merci.\r\n" + "é".repeat(60) + " fin \r\n";
        byte[] out = converted("From: a@example.test\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n\r\n" + body);
        String text = new String(out, StandardCharsets.US_ASCII);
        assertThat(text).contains("Content-Transfer-Encoding: quoted-printable\r\n").doesNotContain("Content-Transfer-Encoding: 8bit")
                .contains("Un caf=C3=A9, s'il vous pla=C3=AEt =3D merci.");
        JsonNode p = parsed(out);
        assertThat(p.get("seven_bit").asBoolean()).isTrue();
        assertThat(p.get("max_line").asInt()).isLessThanOrEqualTo(76);
        assertThat(p.get("defects")).isEmpty();
        assertThat(p.get("parts").get(0).get("payload_hex").asString()).isEqualTo(hex(body));
    }

    @Test
    void onlyTheEightBitPartsOfAMultipartChangeAndAttachedMessagesToo() throws Exception {
        String inner = "From: b@example.test\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nÀ bientôt\r\n";
        String m = "From: a@example.test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                + "preamble\r\n--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nplain part\r\n"
                + "--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nçà et là\r\n"
                + "--b1\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + inner
                + "--b1--\r\nepilogue\r\n";
        byte[] out = converted(m);
        String text = new String(out, StandardCharsets.US_ASCII);
        assertThat(text).contains("--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nplain part\r\n--b1\r\n")
                .contains("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 7bit\r\n").endsWith("--b1--\r\nepilogue\r\n");
        JsonNode p = parsed(out);
        assertThat(p.get("seven_bit").asBoolean()).isTrue();
        assertThat(p.get("defects")).isEmpty();
        JsonNode parts = p.get("parts");
        assertThat(parts).hasSize(3);
        assertThat(parts.get(0).get("payload_hex").asString()).isEqualTo(hex("plain part"));
        assertThat(parts.get(1).get("cte").asString()).isEqualTo("quoted-printable");
        assertThat(parts.get(1).get("payload_hex").asString()).isEqualTo(hex("çà et là"));
        assertThat(parts.get(2).get("payload_hex").asString()).isEqualTo(hex("À bientôt")); // the CRLF before a delimiter belongs to it (RFC 2046 §5.1.1)
    }
}

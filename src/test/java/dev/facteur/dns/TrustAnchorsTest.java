package dev.facteur.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trust anchors (RFC 4033 §3.1): the root's built in, others from a zone file of DS or DNSKEY records. */
class TrustAnchorsTest {

    @Test
    void theBuiltInAnchorsAreTheRootKeysIanaPublishes() { // https://data.iana.org/root-anchors/root-anchors.xml
        TrustAnchors root = TrustAnchors.root();
        assertThat(root.records()).containsExactly(
                ".\t\t\t0\tIN\tDS\t20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
                ".\t\t\t0\tIN\tDS\t38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16");
    }

    @Test
    void aFileOfDsAndDnskeyRecordsAsKeymgrWritesThem(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("anchors");
        Files.writeString(file, """
                dane.test. DS 2292 13 2 9d64fbc5511b87f904271fca5ab7ba8b9c53d126ac96e71a32adb55946492333
                ; a comment, and a key
                dane.test. DNSKEY 257 3 13 dJjabq1/UsQC6NDGQPZrpWjK10LfzjhU2Urqdq6LGyvt3Pw92dYGpa8fUUqyKKzGEzKOeZ5Rjh1w8ty8ZSukwQ==
                """);
        TrustAnchors anchors = TrustAnchors.read(file);
        assertThat(anchors.source()).isEqualTo(file.toString());
        assertThat(anchors.records()).hasSize(2).allSatisfy(r -> assertThat(r).startsWith("dane.test."));
    }

    @Test
    void otherRecordsAreRefusedSoThatAWrongFileIsNoticed() {
        assertThatThrownBy(() -> TrustAnchors.parse("mx.dane.test. 300 A 127.0.0.1\n", "anchors.zone"))
                .hasMessage("anchors.zone: A mx.dane.test. is not a trust anchor (only DS and DNSKEY records are)");
    }

    @Test
    void anEmptyOrBrokenFileIsRefused() {
        assertThatThrownBy(() -> TrustAnchors.parse("; nothing\n", "anchors.zone")).hasMessage("anchors.zone: no DS or DNSKEY record in it");
        assertThatThrownBy(() -> TrustAnchors.parse("dane.test. DS 2292 13 2 not-hex\n", "anchors.zone"))
                .isInstanceOf(IOException.class).hasMessageStartingWith("anchors.zone: ");
    }
}

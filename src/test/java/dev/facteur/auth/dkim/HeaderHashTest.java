package dev.facteur.auth.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 6376 §3.7 and §5.4.2: what b= signs. */
class HeaderHashTest {

    @Test
    void theBValueAndTheWhiteSpaceAroundItAreDeletedAndNothingElse() {
        assertThat(HeaderHash.withEmptyB("DKIM-Signature: a=x; bh=abc=; b= de\r\n\tf= ; d=example.com\r\n"))
                .isEqualTo("DKIM-Signature: a=x; bh=abc=; b=; d=example.com\r\n");
        assertThat(HeaderHash.withEmptyB("DKIM-Signature: a=x; bh=abc=;\r\n\tb=def\r\n\t ghi\r\n"))
                .as("b= last: the field's own CRLF stays").isEqualTo("DKIM-Signature: a=x; bh=abc=;\r\n\tb=\r\n");
        assertThat(HeaderHash.withEmptyB("DKIM-Signature: b =def; bh=x\r\n")).isEqualTo("DKIM-Signature: b =; bh=x\r\n");
    }

    @Test
    void eachNameTakesTheLowestFieldOfThatNameNotYetTaken() { // §5.4.2
        List<String> fields = List.of("From: top\r\n", "To: a\r\n", "From: bottom\r\n");
        assertThat(data(fields, "from")).startsWith("from:bottom\r\n");
        assertThat(data(fields, "from:from")).startsWith("from:bottom\r\nfrom:top\r\n");
        assertThat(data(fields, "from:from:from")).as("a name with no field left adds nothing").startsWith("from:bottom\r\nfrom:top\r\ndkim");
    }

    private static String data(List<String> fields, String h) {
        return new String(HeaderHash.data(fields, List.of(h.split(":")), Canonicalization.RELAXED, "DKIM-Signature: b="),
                StandardCharsets.ISO_8859_1);
    }
}

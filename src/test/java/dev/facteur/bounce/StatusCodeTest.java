package dev.facteur.bounce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 3463 §2: {@code class "." subject "." detail}, in a Status field and in the text of a reply. */
class StatusCodeTest {

    @Test
    void aStatusFieldMayHaveACommentAfterItsCode() { // RFC 3464 §2.3.4
        assertThat(StatusCode.parse("5.1.1")).contains(new StatusCode(5, 1, 1));
        assertThat(StatusCode.parse(" 5.0.0 (permanent failure)")).contains(new StatusCode(5, 0, 0));
        assertThat(StatusCode.parse("4.7.26")).contains(new StatusCode(4, 7, 26));
        assertThat(StatusCode.parse("5.7.606")).contains(new StatusCode(5, 7, 606));
        assertThat(StatusCode.parse("3.1.1")).isEmpty(); // classes are 2, 4 and 5
        assertThat(StatusCode.parse("failed")).isEmpty();
        assertThat(StatusCode.parse(null)).isEmpty();
    }

    @Test
    void codesAreFoundInRepliesButNotInsideOtherNumbers() {
        assertThat(StatusCode.find("550 5.1.1 <alice@example.org>... User unknown")).contains(new StatusCode(5, 1, 1));
        assertThat(StatusCode.find("over quota (#5.2.2)")).contains(new StatusCode(5, 2, 2));
        assertThat(StatusCode.find("ERROR_CODE :5.2.1 <bob@example.org>")).contains(new StatusCode(5, 2, 1));
        assertThat(StatusCode.find("550-5.7.26 Unauthenticated email")).contains(new StatusCode(5, 7, 26));
        assertThat(StatusCode.find("the status was 5.1.1.")).contains(new StatusCode(5, 1, 1));
        assertThat(StatusCode.find("host mx.example.jp [192.0.2.20]: said nothing")).isEmpty();
        assertThat(StatusCode.find("by mx (MOS 4.4.4b-GA) with internal id")).isEmpty();
        assertThat(StatusCode.find("Exim 4.72 and sendmail 8.14.9/8.14.1")).isEmpty();
        assertThat(StatusCode.find("version 2.5.1.3")).isEmpty();
        assertThat(StatusCode.findAll("5.1.0 - Unknown address error 550-'5.7.1 Access denied'"))
                .isEqualTo(List.of(new StatusCode(5, 1, 0), new StatusCode(5, 7, 1)));
    }

    @Test
    void undefinedCodesSayOnlyTheirClass() { // RFC 3463 §3.1
        assertThat(new StatusCode(5, 0, 0).isUndefined()).isTrue();
        assertThat(new StatusCode(5, 0, 0).specificity()).isZero();
        assertThat(new StatusCode(5, 1, 0).specificity()).isEqualTo(1);
        assertThat(new StatusCode(5, 1, 1).specificity()).isEqualTo(2);
        assertThat(new StatusCode(4, 4, 7).isTransient()).isTrue();
        assertThat(new StatusCode(2, 1, 5).isSuccess()).isTrue();
        assertThat(new StatusCode(5, 1, 10)).hasToString("5.1.10");
    }

    @Test
    void onlyCodesTheRfcAllowsCanBeMade() {
        assertThatThrownBy(() -> new StatusCode(3, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StatusCode(5, 1000, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}

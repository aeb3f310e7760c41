package dev.facteur.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 2045 and RFC 2046 structure as bounces write it, the slips of real servers included. */
class MimeStructureTest {

    private static MimeEntity read(String message) {
        return MimeEntity.read(MimeEntity.lineEndsToLf(message.getBytes(StandardCharsets.UTF_8)), new MimeEntity.Budget(100, 8));
    }

    private static List<String> types(MimeEntity e) {
        return e.walk().stream().map(x -> x.type).toList();
    }

    @Test
    void partsAreFoundBetweenTheirBoundaries() { // RFC 2046 §5.1.1
        MimeEntity m = read("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"b/1\"\r\n\r\npreamble\r\n"
                + "--b/1\r\n\r\nno header: text/plain\r\n--b/1 \r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\n--b/1--\r\nepilogue\r\n");
        assertThat(types(m)).containsExactly("multipart/report", "text/plain", "message/delivery-status");
        assertThat(m.parts().get(0).text()).isEqualTo("no header: text/plain");
        assertThat(m.parts().get(1).text()).isEqualTo("Action: failed");
    }

    @Test
    void theSlipsOfRealServersAreForgiven() {
        // a parameter folded without its white space, a delimiter indented by a space, no close delimiter
        MimeEntity m = read("Content-Type: multipart/alternative;\nboundary=\"----=_Part_1\"\n\n------=_Part_1\nContent-Type: text/plain\n\none\n"
                + " ------=_Part_1\nContent-Type: text/plain\n\ntwo\n");
        assertThat(m.parts()).extracting(MimeEntity::text).containsExactly("one", "two\n"); // a cut message: the last part runs to its end
    }

    @Test
    void aHeaderWithoutItsEmptyLineEndsAtTheFirstLineThatIsNoField() {
        MimeEntity m = read("Content-Type: text/plain\r\nThis line is no field.\r\nNor this.");
        assertThat(m.header.size()).isEqualTo(1);
        assertThat(m.text()).isEqualTo("This line is no field.\nNor this.");
    }

    @Test
    void mediaTypesAndParameters() { // RFC 2045 §5.1, §5.2
        assertThat(MimeEntity.mediaType("Multipart/Report; report-type=delivery-status")).isEqualTo("multipart/report");
        assertThat(MimeEntity.mediaType("text")).isEqualTo("text/plain");
        assertThat(MimeEntity.parameters("multipart/report; BOUNDARY=\"a \\\"b\\\"\"; Report-Type=delivery-status"))
                .containsEntry("boundary", "a \"b\"").containsEntry("report-type", "delivery-status");
        assertThat(MimeEntity.parameters("text/plain; charset=utf-8 format=flowed")).containsEntry("charset", "utf-8");
    }

    @Test
    void aDigestsPartsAreMessages() { // RFC 2046 §5.1.5
        MimeEntity m = read("Content-Type: multipart/digest; boundary=D\n\n--D\n\nSubject: one\n\nbody\n--D--\n");
        assertThat(m.parts().getFirst().isMessage()).isTrue();
        assertThat(m.parts().getFirst().enclosed().header.first("Subject")).contains("one");
    }

    @Test
    void lineEndsBecomeLf() {
        assertThat(new String(MimeEntity.lineEndsToLf("a\r\nb\rc\nd\r".getBytes(StandardCharsets.US_ASCII)), StandardCharsets.US_ASCII))
                .isEqualTo("a\nb\nc\nd\n");
    }
}

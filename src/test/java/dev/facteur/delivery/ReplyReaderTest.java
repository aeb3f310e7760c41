package dev.facteur.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.smtp.Reply;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ProtocolException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplyReaderTest {

    private static Reply read(String s) throws IOException {
        return new ReplyReader(new ByteArrayInputStream(s.getBytes())).read();
    }

    @Test
    void multilineRepliesAreJoined() throws IOException { // RFC 5321 §4.2.1
        Reply r = read("250-mx.example\r\n250-PIPELINING\r\n250 SIZE 100\r\n");
        assertThat(r.code()).isEqualTo(250);
        assertThat(r.lines()).containsExactly("mx.example", "PIPELINING", "SIZE 100");
    }

    @Test
    void enhancedStatusCodesAreSplitOff() throws IOException { // RFC 3463, RFC 2034
        Reply r = read("550 5.1.1 <x@example.test>: user unknown\r\n");
        assertThat(r.enhanced()).isEqualTo("5.1.1");
        assertThat(r.lines()).containsExactly("<x@example.test>: user unknown");
        assertThat(read("250 2.0.0\r\n").enhanced()).isEqualTo("2.0.0");
        assertThat(read("250 1.2 not a code\r\n").enhanced()).isEmpty();
        assertThat(read("550 4.1.1 wrong class\r\n").enhanced()).isEmpty();
    }

    @Test
    void aBareCodeIsAReply() throws IOException {
        assertThat(read("250\r\n").code()).isEqualTo(250);
        assertThat(read("250 \n").code()).isEqualTo(250);
    }

    @Test
    void garbageIsAProtocolError() {
        assertThatThrownBy(() -> read("hello there\r\n")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> read("250-a\r\n451 b\r\n")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> read("999 what\r\n")).isInstanceOf(ProtocolException.class);
    }

    @Test
    void aClosedConnectionIsNotAReply() {
        assertThatThrownBy(() -> read("250-half")).isInstanceOf(EOFException.class);
    }

    @Test
    void hugeRepliesAreBounded() throws IOException {
        Reply r = read("250-" + "x".repeat(100_000) + "\r\n" + "250-y\r\n".repeat(1000) + "250 end\r\n");
        assertThat(r.lines().getFirst().length()).isLessThan(5000);
        assertThat(r.lines()).hasSizeLessThanOrEqualTo(ReplyReader.MAX_LINES);
    }

    @Test
    void outcomesFollowTheReplyClass() {
        assertThat(Outcome.of(new Reply(250, "2.0.0", "ok"))).isInstanceOf(Outcome.Delivered.class);
        assertThat(Outcome.of(new Reply(451, "4.3.0", "later"))).isInstanceOf(Outcome.Deferred.class);
        assertThat(Outcome.of(new Reply(550, "5.1.1", List.of("no")))).isInstanceOf(Outcome.Failed.class);
    }
}

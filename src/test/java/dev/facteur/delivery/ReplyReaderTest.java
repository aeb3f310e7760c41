package dev.facteur.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.smtp.Reply;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReplyReaderTest {

    private static Reply read(String s) throws IOException {
        return new ReplyReader(new ByteArrayInputStream(s.getBytes())).read(Duration.ofSeconds(1));
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
    void aLineWithAnotherEnhancedCodeKeepsItInItsText() throws IOException { // RFC 2034: one code, on every line
        Reply r = read("550-5.7.1 Blocked by policy\r\n550-5.7.1 see the FAQ\r\n550 5.1.1 and the user is unknown\r\n");
        assertThat(r.enhanced()).as("the first line's").isEqualTo("5.7.1");
        assertThat(r.lines()).containsExactly("Blocked by policy", "see the FAQ", "5.1.1 and the user is unknown");
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
    void longRepliesAreKeptInPart() throws IOException { // RFC 5321 §4.5.3.1.5: 512 octets a line; we keep less of more
        Reply r = read("250-" + "x".repeat(10_000) + "\r\n" + "250-y\r\n".repeat(1000) + "250 end\r\n");
        assertThat(r.lines().getFirst()).hasSize(ReplyReader.MAX_LINE - 4 + 3).endsWith("...");
        assertThat(r.lines()).hasSize(ReplyReader.MAX_LINES);
    }

    @Test
    void aReplyPastTheSizeLimitIsRefused() { // a multi-line reply that never ends must not hold the attempt
        String endless = "250-" + "z".repeat(70) + "\r\n";
        int lines = ReplyReader.MAX_REPLY / endless.length() + 1;
        assertThatThrownBy(() -> read(endless.repeat(lines) + "250 end\r\n"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("longer than " + ReplyReader.MAX_REPLY);
        assertThatThrownBy(() -> read("250 " + "x".repeat(ReplyReader.MAX_REPLY) + "\r\n")).isInstanceOf(ProtocolException.class);
    }

    @Test
    void aReplyJustUnderTheSizeLimitIsRead() throws IOException {
        String line = "250-" + "z".repeat(70) + "\r\n";
        String last = "250 end\r\n";
        int lines = (ReplyReader.MAX_REPLY - last.length()) / line.length();
        assertThat(read(line.repeat(lines) + last).code()).isEqualTo(250);
    }

    /** A stream that gives one byte per read, each read taking {@code perRead} of a fake clock, and records the read timeouts asked for. */
    private static final class Trickle extends InputStream {
        private final byte[] bytes;
        private final long perRead;
        private final long[] now;
        private int pos;

        Trickle(String s, Duration perRead, long[] now) {
            this.bytes = s.getBytes(StandardCharsets.US_ASCII);
            this.perRead = perRead.toNanos();
            this.now = now;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException("the code under test reads in blocks");
        }

        @Override
        public int read(byte[] b, int off, int len) {
            now[0] += perRead;
            if (pos == bytes.length) return -1;
            b[off] = bytes[pos++];
            return 1;
        }
    }

    @Test
    void theWholeReplyMustComeWithinTheDeadlineHoweverSlowlyItTrickles() { // RFC 5321 §4.5.3.2
        long[] now = {0};
        List<Integer> timeouts = new ArrayList<>();
        // every byte within 100 ms, well inside a 300 ms read timeout; the reply as a whole takes 2.2 s
        var in = new Trickle("250-first\r\n250 last\r\n", Duration.ofMillis(100), now);
        var reader = new ReplyReader(in, timeouts::add, () -> now[0]);

        assertThatThrownBy(() -> reader.read(Duration.ofMillis(300))).isInstanceOf(SocketTimeoutException.class);
        assertThat(timeouts).as("each read may wait only for what is left of the deadline").containsExactly(300, 200, 100);
    }

    @Test
    void aReplyWithinItsDeadlineIsRead() throws IOException {
        long[] now = {0};
        var in = new Trickle("250-first\r\n250 last\r\n", Duration.ofMillis(100), now);
        Reply r = new ReplyReader(in, millis -> { }, () -> now[0]).read(Duration.ofSeconds(3));
        assertThat(r.lines()).containsExactly("first", "last");
    }

    @Test
    void repliesCutAnywhereReadTheSame() throws IOException { // pipelined replies arrive in arbitrary pieces
        var random = new Random(4212);
        String replies = "220 hi\r\n250-mx\r\n250-PIPELINING\r\n250 SIZE 10\r\n250 2.1.0 ok\r\n550 5.1.1 no\r\n354 go\r\n";
        byte[] bytes = replies.getBytes(StandardCharsets.US_ASCII);
        for (int round = 0; round < 200; round++) {
            InputStream chunked = new InputStream() {
                int pos;

                @Override
                public int read() {
                    throw new UnsupportedOperationException("the code under test reads in blocks");
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    if (pos == bytes.length) return -1;
                    int n = Math.min(Math.min(len, bytes.length - pos), 1 + random.nextInt(7));
                    System.arraycopy(bytes, pos, b, off, n);
                    pos += n;
                    return n;
                }
            };
            var reader = new ReplyReader(chunked);
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 5; i++) got.add(reader.read(Duration.ofSeconds(5)).toString());
            assertThat(got).containsExactly("220 hi", "250 mx / PIPELINING / SIZE 10", "250 2.1.0 ok", "550 5.1.1 no", "354 go");
        }
    }

    @Test
    void outcomesFollowTheReplyClass() {
        assertThat(Outcome.of(new Reply(250, "2.0.0", "ok"))).isInstanceOf(Outcome.Delivered.class);
        assertThat(Outcome.of(new Reply(451, "4.3.0", "later"))).isInstanceOf(Outcome.Deferred.class);
        assertThat(Outcome.of(new Reply(550, "5.1.1", List.of("no")))).isInstanceOf(Outcome.Failed.class);
    }
}

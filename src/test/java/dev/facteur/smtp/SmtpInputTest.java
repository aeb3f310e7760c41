package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SmtpInputTest {

    private static SmtpInput input(String s) {
        return new SmtpInput(new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1)));
    }

    private record Read(String content, SmtpInput.ContentCheck check, SmtpInput rest) {}

    private static Read data(String wire, long max) throws IOException {
        SmtpInput in = input(wire);
        var out = new ByteArrayOutputStream();
        var check = in.readData(out, max);
        return new Read(out.toString(StandardCharsets.ISO_8859_1), check, in);
    }

    @Test
    void heldBackRepliesAreFlushedBeforeEveryReadThatMayWait() throws IOException { // RFC 2920 §3.2
        var packets = new ArrayDeque<>(List.of("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRC", "PT TO:<e@f>\r\n"));
        var socket = new InputStream() {
            @Override
            public int read() {
                throw new UnsupportedOperationException("the code under test reads in blocks");
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (packets.isEmpty()) return -1;
                byte[] p = packets.poll().getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(p, 0, b, off, p.length);
                return p.length;
            }
        };
        int[] flushes = {0};
        var in = new SmtpInput(socket, () -> flushes[0]++);

        in.readLine(100);
        assertThat(flushes[0]).as("before the first read").isEqualTo(1);
        in.readLine(100);
        assertThat(flushes[0]).as("a whole line was buffered: no wait, replies may still gather").isEqualTo(1);
        assertThat(new String(((SmtpInput.Line.Text) in.readLine(100)).bytes())).isEqualTo("RCPT TO:<e@f>");
        assertThat(flushes[0]).as("only part of a line was buffered: the server waits, so it flushes").isEqualTo(2);
    }

    @Test
    void dataEndsAtCrLfDotCrLf() throws IOException { // RFC 5321 §4.1.1.4
        var r = data("Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n", 1000);
        assertThat(r.content).isEqualTo("Subject: hi\r\n\r\nbody\r\n");
        assertThat(r.check.clean()).isTrue();
        assertThat(new String(((SmtpInput.Line.Text) r.rest.readLine(100)).bytes())).isEqualTo("QUIT");
    }

    @Test
    void emptyMessageIsJustTheDot() throws IOException {
        assertThat(data(".\r\n", 1000).content).isEmpty();
    }

    @Test
    void leadingDotIsRemovedFromEveryLine() throws IOException { // RFC 5321 §4.5.2 transparency
        var r = data("..\r\n...x\r\n.y\r\n.\r\n", 1000);
        assertThat(r.content).isEqualTo(".\r\n..x\r\ny\r\n");
    }

    @Test
    void dotInsideALineIsContent() throws IOException {
        assertThat(data("a.b\r\n a .\r\n.\r\n", 1000).content).isEqualTo("a.b\r\n a .\r\n");
    }

    /** SMTP smuggling (CVE-2023-51764..51766): only CR LF . CR LF ends DATA. */
    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\r.\r", "\r\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\r", "\n.\r", "\r.\n"})
    void endOfDataLookalikesDoNotEndTheMessage(String lookalike) throws IOException {
        String wire = "Subject: x\r\n\r\nhello" + lookalike + "MAIL FROM:<evil@x>\r\nRCPT TO:<v@example.test>\r\nDATA\r\n"
                + "smuggled\r\n.\r\nNOOP\r\n";
        var r = data(wire, 100_000);
        assertThat(r.content).contains("MAIL FROM:<evil@x>").contains("smuggled");
        assertThat(r.check.bareLineEnd()).isTrue();
        assertThat(new String(((SmtpInput.Line.Text) r.rest.readLine(100)).bytes())).isEqualTo("NOOP");
    }

    @Test
    void bareLineFeedInTheBodyIsReported() throws IOException { // RFC 5321 §2.3.8
        assertThat(data("a\nb\r\n.\r\n", 1000).check.bareLineEnd()).isTrue();
        assertThat(data("a\rb\r\n.\r\n", 1000).check.bareLineEnd()).isTrue();
    }

    @Test
    void nulIsReported() throws IOException {
        assertThat(data("a\0b\r\n.\r\n", 1000).check.nul()).isTrue();
    }

    @Test
    void contentOverTheLimitIsReadToTheEndButNotKept() throws IOException { // RFC 1870
        var r = data("x".repeat(5000) + "\r\n.\r\nNOOP\r\n", 1000);
        assertThat(r.check.tooBig()).isTrue();
        assertThat(r.content.length()).isLessThanOrEqualTo(1000);
        assertThat(new String(((SmtpInput.Line.Text) r.rest.readLine(100)).bytes())).isEqualTo("NOOP");
    }

    @Test
    void eightBitAndLongLinesPassThrough() throws IOException {
        String line = "é".repeat(3000);
        assertThat(data(line + "\r\n.\r\n", 100_000).content).isEqualTo(line + "\r\n");
    }

    @Test
    void connectionClosedDuringDataIsAnError() {
        assertThatThrownBy(() -> data("no end", 1000)).isInstanceOf(EOFException.class);
    }

    @Test
    void longCommandLineIsSkippedNotBuffered() throws IOException { // RFC 5321 §4.5.3.1.4
        SmtpInput in = input("A".repeat(100_000) + "\r\nNOOP\r\n");
        assertThat(in.readLine(512)).isInstanceOf(SmtpInput.Line.TooLong.class);
        assertThat(new String(((SmtpInput.Line.Text) in.readLine(512)).bytes())).isEqualTo("NOOP");
    }

    @Test
    void bdatChunksAreReadExactlyAndCrLfMayStraddleThem() throws IOException { // RFC 3030 §2
        SmtpInput in = input("a\rb\nNOOP\r\n");
        var out = new ByteArrayOutputStream();
        var check = new SmtpInput.LineEndCheck();
        in.readChunk(2, out, 0, 100, check);
        assertThat(check.endsCleanly()).isFalse();
        var second = in.readChunk(2, out, 2, 100, check);
        assertThat(second.bareLineEnd()).isTrue();
        assertThat(out.toString()).isEqualTo("a\rb\n");
        assertThat(new String(((SmtpInput.Line.Text) in.readLine(100)).bytes())).isEqualTo("NOOP");

        SmtpInput ok = input("a\r\nb\r\n");
        var check2 = new SmtpInput.LineEndCheck();
        ok.readChunk(2, OutputStreamSink.NULL, 0, 100, check2);
        var last = ok.readChunk(4, OutputStreamSink.NULL, 2, 100, check2);
        assertThat(last.bareLineEnd()).isFalse();
        assertThat(check2.endsCleanly()).isTrue();
    }

    /**
     * The decoder reads in buffer-sized runs; however the bytes arrive (all at once, one at a time,
     * in random pieces) it must decode exactly as a plain byte-by-byte reading of RFC 5321 does.
     */
    @Test
    void decodingDoesNotDependOnHowTheBytesArrive() throws IOException {
        var random = new java.util.Random(5321);
        byte[] alphabet = {'a', 'b', '.', '.', '\r', '\n', '\r', '\n', 0, (byte) 0xE9, ' '};
        for (int round = 0; round < 3000; round++) {
            var wire = new ByteArrayOutputStream();
            int len = random.nextInt(round < 2000 ? 40 : 40_000);
            for (int i = 0; i < len; i++) wire.write(alphabet[random.nextInt(alphabet.length)]);
            wire.writeBytes("\r\n.\r\nNEXT".getBytes(StandardCharsets.US_ASCII));
            byte[] bytes = wire.toByteArray();
            long max = random.nextBoolean() ? Long.MAX_VALUE : random.nextInt(len + 10);
            var expected = referenceDecode(bytes, max);
            for (int piece : new int[] {1, 1 + random.nextInt(7), 1 + random.nextInt(20_000), Integer.MAX_VALUE}) {
                var in = new SmtpInput(new PieceStream(bytes, piece));
                var out = new ByteArrayOutputStream();
                var check = in.readData(out, max);
                assertThat(check).as("round %d, pieces of %d", round, piece).isEqualTo(expected.check());
                if (check.tooBig()) assertThat(out.size()).as("kept within the limit").isLessThanOrEqualTo((int) max);
                else assertThat(out.toByteArray()).as("round %d, pieces of %d", round, piece).isEqualTo(expected.content());
            }
        }
    }

    private record Decoded(byte[] content, SmtpInput.ContentCheck check) {}

    /** RFC 5321 §4.1.1.4 and §4.5.2 read one byte at a time: the slow, obvious decoder. */
    private static Decoded referenceDecode(byte[] wire, long max) {
        var content = new ByteArrayOutputStream();
        boolean bare = false, nul = false;
        int lineStart = 0;
        for (int i = 0; ; ) {
            // find the end of this line: the next CR LF
            int j = i;
            while (!(wire[j] == '\r' && wire[j + 1] == '\n')) j++;
            if (j == lineStart + 1 && wire[lineStart] == '.' && i == lineStart) break; // ".<CRLF>"
            int from = wire[lineStart] == '.' ? lineStart + 1 : lineStart;
            for (int k = from; k < j + 2; k++) {
                byte b = wire[k];
                if (k < j && (b == '\n' || (b == '\r'))) bare = true;
                if (b == 0) nul = true;
                content.write(b);
            }
            i = lineStart = j + 2;
        }
        byte[] all = content.toByteArray();
        boolean tooBig = all.length > max;
        return new Decoded(all, new SmtpInput.ContentCheck(all.length, tooBig, bare, nul));
    }

    /** Hands out at most {@code piece} bytes per read, as a slow network does. */
    private static final class PieceStream extends ByteArrayInputStream {
        private final int piece;

        PieceStream(byte[] b, int piece) {
            super(b);
            this.piece = piece;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, piece));
        }
    }

    private static final class OutputStreamSink {
        static final java.io.OutputStream NULL = java.io.OutputStream.nullOutputStream();
    }
}

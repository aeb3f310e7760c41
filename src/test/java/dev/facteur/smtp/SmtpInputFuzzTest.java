package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.facteur.testing.Pieces;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * The server's reader of the client's bytes, fed anything in any pieces: command lines, DATA
 * (RFC 5321 §4.1.1.4, §4.5.2) and BDAT chunks (RFC 3030) in a fuzzer-chosen order. It never
 * writes more than the size limit to its sink, ends every read (the input is finite), and
 * throws nothing but EOF at the end of the input. The first read is compared with a slow,
 * byte-by-byte reading of the RFC.
 */
class SmtpInputFuzzTest {

    private enum Op { LINE, DATA, CHUNK }

    @FuzzTest(maxDuration = "10m")
    void readsAnyInputWithinItsLimits(FuzzedDataProvider data) throws IOException {
        Op[] ops = new Op[data.consumeInt(1, 6)];
        long[] limits = new long[ops.length];
        long[] chunks = new long[ops.length];
        for (int i = 0; i < ops.length; i++) {
            ops[i] = data.pickValue(Op.values());
            limits[i] = data.consumeLong(0, 1 << 16);
            chunks[i] = data.consumeLong(0, 1 << 16);
        }
        long sizeSoFar = data.consumeLong(0, 1 << 16);
        Pieces wire = Pieces.from(data, 1 << 15);
        byte[] all = wire.readAllBytes();
        wire.reset();

        SmtpInput in = new SmtpInput(wire);
        var checker = new SmtpInput.LineEndCheck();
        for (int i = 0; i < ops.length; i++) {
            long max = limits[i];
            boolean first = i == 0;
            switch (ops[i]) {
                case LINE -> {
                    if (first) {
                        expectLine(in, all, (int) max);
                        return;
                    }
                    try {
                        SmtpInput.Line line = in.readLine((int) max);
                        if (line == null) return;
                        if (line instanceof SmtpInput.Line.Text(byte[] text)) assertThat(text.length).isLessThanOrEqualTo((int) max);
                    } catch (EOFException end) {
                        return;
                    }
                }
                case DATA -> {
                    var sink = new Sink();
                    SmtpInput.ContentCheck check;
                    try {
                        check = in.readData(sink, max);
                    } catch (EOFException end) {
                        if (first) assertThat(referenceData(all)).as("ended without <CRLF>.<CRLF>").isNull();
                        return;
                    }
                    assertThat((long) sink.size()).as("bytes to the sink").isLessThanOrEqualTo(max);
                    assertThat(check.tooBig()).isEqualTo(check.size() > max);
                    if (!check.tooBig()) assertThat((long) sink.size()).isEqualTo(check.size());
                    if (first) {
                        Reference expected = referenceData(all);
                        assertThat(expected).as("ended before <CRLF>.<CRLF>").isNotNull();
                        assertThat(check).isEqualTo(new SmtpInput.ContentCheck(expected.content.length,
                                expected.content.length > max, expected.bare, expected.nul));
                        assertThat(isPrefix(sink.toByteArray(), expected.content)).as("the sink got a prefix of the content").isTrue();
                    }
                }
                case CHUNK -> {
                    long n = chunks[i];
                    var sink = new Sink();
                    SmtpInput.ContentCheck check;
                    try {
                        check = in.readChunk(n, sink, first ? sizeSoFar : 0, max, first ? new SmtpInput.LineEndCheck() : checker);
                    } catch (EOFException end) {
                        if (first) assertThat((long) all.length).as("a chunk longer than the input").isLessThan(n);
                        return;
                    }
                    long soFar = first ? sizeSoFar : 0;
                    assertThat(check.size()).isEqualTo(soFar + n);
                    assertThat((long) sink.size()).as("bytes to the sink").isLessThanOrEqualTo(Math.max(0, max - soFar));
                    assertThat(check.tooBig()).isEqualTo(soFar + n > max);
                    if (first) {
                        byte[] chunk = Arrays.copyOf(all, (int) n);
                        assertThat(isPrefix(sink.toByteArray(), chunk)).as("the sink got a prefix of the chunk").isTrue();
                        if (!check.tooBig()) assertThat(sink.toByteArray()).isEqualTo(chunk);
                        assertThat(check.bareLineEnd()).isEqualTo(hasBareLineEnd(chunk));
                        assertThat(check.nul()).isEqualTo(indexOf(chunk, (byte) 0) >= 0);
                    }
                }
            }
        }
    }

    private static void expectLine(SmtpInput in, byte[] all, int max) throws IOException {
        int lf = indexOf(all, (byte) '\n');
        if (lf < 0) {
            if (all.length == 0) assertThat(in.readLine(max)).isNull();
            else assertThatThrownBy(() -> in.readLine(max)).isInstanceOf(EOFException.class);
            return;
        }
        SmtpInput.Line line = in.readLine(max);
        if (lf > max) {
            assertThat(line).isInstanceOf(SmtpInput.Line.TooLong.class);
        } else {
            int len = lf > 0 && all[lf - 1] == '\r' ? lf - 1 : lf;
            assertThat(line).isInstanceOf(SmtpInput.Line.Text.class);
            assertThat(((SmtpInput.Line.Text) line).bytes()).isEqualTo(Arrays.copyOf(all, len));
        }
    }

    private record Reference(byte[] content, boolean bare, boolean nul) {}

    /** RFC 5321 §4.1.1.4 and §4.5.2 a line at a time; null when the input ends before {@code .<CRLF>}. */
    private static Reference referenceData(byte[] wire) {
        var content = new ByteArrayOutputStream();
        boolean bare = false, nul = false;
        int i = 0;
        while (true) {
            int j = i;
            while (j + 1 < wire.length && !(wire[j] == '\r' && wire[j + 1] == '\n')) j++;
            if (j + 1 >= wire.length) return null;
            if (j == i + 1 && wire[i] == '.') return new Reference(content.toByteArray(), bare, nul);
            for (int k = wire[i] == '.' ? i + 1 : i; k < j + 2; k++) {
                if (k < j && (wire[k] == '\r' || wire[k] == '\n')) bare = true;
                if (wire[k] == 0) nul = true;
                content.write(wire[k]);
            }
            i = j + 2;
        }
    }

    /** A CR not followed by LF (a CR at the very end may still be), or an LF not after a CR. */
    private static boolean hasBareLineEnd(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\r' && i + 1 < b.length && b[i + 1] != '\n') return true;
            if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r')) return true;
        }
        return false;
    }

    /** AssertJ's startsWith refuses an empty prefix; nothing written is a prefix of anything here. */
    private static boolean isPrefix(byte[] prefix, byte[] of) {
        return prefix.length <= of.length && Arrays.equals(prefix, 0, prefix.length, of, 0, prefix.length);
    }

    private static int indexOf(byte[] b, byte c) {
        for (int i = 0; i < b.length; i++) if (b[i] == c) return i;
        return -1;
    }

    private static final class Sink extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void write(int b) {
            bytes.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
        }

        int size() {
            return bytes.size();
        }

        byte[] toByteArray() {
            return bytes.toByteArray();
        }
    }
}

package dev.facteur.milter;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.facteur.testing.Pieces;
import java.io.EOFException;
import java.io.IOException;

/**
 * Whatever a filter sends, in whatever pieces: packets no longer than the limit, each read as
 * a reply or refused as a protocol error, until the bytes run out. Nothing else comes out: no
 * runtime exception, no allocation the filter chose.
 */
class FilterReplyFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void anyBytesAreRepliesOrAProtocolError(FuzzedDataProvider data) throws IOException {
        boolean leadingSpace = data.consumeBoolean();
        int max = data.consumeInt(1, 1 << 16);
        var in = new PacketReader(Pieces.from(data, 64), max);
        while (true) {
            PacketReader.Packet p;
            try {
                p = in.read();
            } catch (EOFException end) {
                return;
            } catch (MilterException e) {
                assertThat(e.kind()).isEqualTo(MilterException.Kind.PROTOCOL);
                return;
            }
            assertThat(p.data().length + 1).isLessThanOrEqualTo(max);
            try {
                assertThat(FilterReply.decode(p, leadingSpace)).isNotNull();
            } catch (MilterException e) {
                assertThat(e.kind()).isEqualTo(MilterException.Kind.PROTOCOL);
            }
            try {
                Negotiation.read(p);
            } catch (MilterException e) {
                assertThat(e.kind()).isEqualTo(MilterException.Kind.PROTOCOL);
            }
        }
    }
}

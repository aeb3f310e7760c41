package dev.facteur.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.facteur.smtp.Reply;
import dev.facteur.testing.Pieces;
import java.io.IOException;
import java.net.ProtocolException;
import java.time.Duration;

/**
 * Whatever a remote server sends, in whatever pieces, the client reads RFC 5321 §4.2 replies
 * (a code in 2xx..5xx, bounded lines, an RFC 3463 enhanced code of the same class) or gives up
 * with an IOException, and never buffers without end.
 */
class ReplyReaderFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void repliesAreWellFormedOrTheConversationEnds(FuzzedDataProvider data) {
        Pieces wire = Pieces.from(data, 1 << 12);
        var reader = new ReplyReader(wire);
        int before = wire.left();
        while (true) {
            Reply r;
            try {
                r = reader.read(Duration.ofMinutes(1));
            } catch (ProtocolException | java.io.EOFException e) {
                return;
            } catch (IOException e) {
                throw new AssertionError("only ProtocolException or EOF from a byte array", e);
            }
            assertThat(wire.left()).as("each reply consumes input").isLessThan(before);
            assertThat(before - wire.left()).as("and no more than a reply may hold").isLessThanOrEqualTo(ReplyReader.MAX_REPLY);
            before = wire.left();
            assertThat(r.code()).isBetween(200, 599);
            assertThat(r.lines()).isNotEmpty().hasSizeLessThanOrEqualTo(ReplyReader.MAX_LINES);
            assertThat(r.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(ReplyReader.MAX_LINE + 3));
            if (!r.enhanced().isEmpty()) assertThat(r.enhanced()).matches(r.code() / 100 + "\\.\\d{1,3}\\.\\d{1,3}");
        }
    }
}

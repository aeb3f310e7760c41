package dev.facteur.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** RFC 2047: words of at most 75 characters, each holding whole characters, that decode back to the text. */
class EncodedWordsTest {

    @Test
    void shortTextIsOneWord() {
        assertThat(EncodedWords.encode("Café")).containsExactly("=?UTF-8?B?Q2Fmw6k=?=");
    }

    @Test
    void longTextIsSplitIntoWordsOfAtMost75Characters() { // §2
        List<String> words = EncodedWords.encode("é".repeat(100));
        assertThat(words).hasSizeGreaterThan(1).allSatisfy(w -> assertThat(w.length()).isLessThanOrEqualTo(75));
        assertThat(ParsedMessage.decodeWords(String.join(" ", words))).isEqualTo("é".repeat(100));
    }

    @Test
    void noWordSplitsACharacterNotEvenAnEmojiOfFourOctets() { // §5: each word decodes alone
        Random random = new Random(5);
        String[] pieces = {"a", "é", "中", "😀", " ", "=?", "?="};
        for (int round = 0; round < 500; round++) {
            StringBuilder sb = new StringBuilder();
            for (int i = random.nextInt(80); i > 0; i--) sb.append(pieces[random.nextInt(pieces.length)]);
            String text = sb.toString();
            List<String> words = EncodedWords.encode(text);
            StringBuilder joined = new StringBuilder();
            for (String w : words) {
                assertThat(w.length()).isLessThanOrEqualTo(75);
                String alone = ParsedMessage.decodeWords(w);
                assertThat(alone).doesNotContain("\uFFFD");
                joined.append(alone);
            }
            assertThat(joined.toString()).isEqualTo(text);
        }
    }
}

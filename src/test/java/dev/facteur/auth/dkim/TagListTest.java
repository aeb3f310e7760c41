package dev.facteur.auth.dkim;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 6376 §3.2 tag lists, as DKIM signatures, key records and ARC's fields write them. */
class TagListTest {

    @Test
    void whiteSpaceAndFoldingAroundNamesEqualsAndValuesMeanNothing() throws Exception {
        TagList tags = TagList.parse(" v = 1 ;\r\n\ta=rsa-sha256;  d =\texample.com ; ");
        assertThat(tags.tags()).containsExactly(
                entry("v", "1"), entry("a", "rsa-sha256"), entry("d", "example.com"));
    }

    @Test
    void valuesKeepTheirInnerWhiteSpaceUntilCompacted() throws Exception {
        TagList tags = TagList.parse("b=abc\r\n def ghi; h=from :\r\n\tto");
        assertThat(tags.get("b")).hasValue("abc\r\n def ghi");
        assertThat(TagList.compact(tags.get("b").orElseThrow())).isEqualTo("abcdefghi");
        assertThat(TagList.list(tags.get("h").orElseThrow())).isEqualTo(List.of("from", "to"));
    }

    @Test
    void theFinalSemicolonIsOptional() throws Exception {
        assertThat(TagList.parse("a=1;").names()).containsExactly("a");
        assertThat(TagList.parse("a=1").names()).containsExactly("a");
    }

    @Test
    void valuesMayBeEmpty() throws Exception { // §3.6.1: an empty p= revokes a key
        assertThat(TagList.parse("k=rsa; p=").get("p")).hasValue("");
    }

    @Test
    void aTagAppearsOnce() {
        assertThatThrownBy(() -> TagList.parse("s=dummy; s=dummy")).isInstanceOf(PermFail.class).hasMessageContaining("s= appears twice");
    }

    @Test
    void namesAreCaseSensitive() throws Exception {
        TagList tags = TagList.parse("V=1; v=2");
        assertThat(tags.get("v")).hasValue("2");
        assertThat(tags.get("V")).hasValue("1");
    }

    @Test
    void aNameStartsWithALetterAndHoldsLettersDigitsAndUnderscores() throws Exception {
        assertThat(TagList.parse("x1_y=z").has("x1_y")).isTrue();
        assertThatThrownBy(() -> TagList.parse("_=1")).hasMessageContaining("\"_\" is no tag name");
        assertThatThrownBy(() -> TagList.parse("a=1; ==; t=2")).hasMessageContaining("\"\" is no tag name");
        assertThatThrownBy(() -> TagList.parse("a-b=1")).hasMessageContaining("no tag name");
    }

    @Test
    void aTagWithoutEqualsOrAnEmptyTagIsASyntaxError() {
        assertThatThrownBy(() -> TagList.parse("k=rsa; t; p=abc")).hasMessageContaining("\"t\" has no \"=\"");
        assertThatThrownBy(() -> TagList.parse("a=1;; b=2")).hasMessageContaining("empty tag");
        assertThatThrownBy(() -> TagList.parse("")).hasMessageContaining("empty tag");
    }

    @Test
    void controlCharactersAreNoPartOfAValue() {
        assertThatThrownBy(() -> TagList.parse("a=x\u0000y")).hasMessageContaining("control character");
    }
}

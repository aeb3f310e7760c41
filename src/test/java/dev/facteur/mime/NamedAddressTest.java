package dev.facteur.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.message.Mailbox;
import org.junit.jupiter.api.Test;

/** Display names and addresses as the address fields write them (RFC 5322 §3.4), read and written. */
class NamedAddressTest {

    @Test
    void readsTheThreeForms() {
        assertThat(NamedAddress.parse("news@example.com")).isEqualTo(new NamedAddress("", new Mailbox("news", "example.com")));
        var named = NamedAddress.parse("  News Desk <news@example.com> ");
        assertThat(named.name()).isEqualTo("News Desk");
        assertThat(named.address().toString()).isEqualTo("news@example.com");
        var quoted = NamedAddress.parse("\"Doe, John \\\"JD\\\"\" <john@example.com>");
        assertThat(quoted.name()).isEqualTo("Doe, John \"JD\"");
        assertThat(NamedAddress.parse("<bare@example.com>").name()).isEmpty();
    }

    @Test
    void refusesWhatIsNoAddress() {
        assertThatThrownBy(() -> NamedAddress.parse("no at sign")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an address");
        assertThatThrownBy(() -> NamedAddress.parse("postmaster")).hasMessageContaining("needs a domain");
        assertThatThrownBy(() -> NamedAddress.parse("a@b.example>")).hasMessageContaining("without its '<'");
        assertThatThrownBy(() -> NamedAddress.parse("Bob \"the\" <b@example.com>")).hasMessageContaining("quote the whole name");
        assertThatThrownBy(() -> NamedAddress.parse("")).hasMessageContaining("no address");
        assertThatThrownBy(() -> new NamedAddress("Bob\r\nBcc: x@evil.example", NamedAddress.parse("b@example.com").address()))
                .hasMessageContaining("line break");
    }

    @Test
    void aListSplitsAtCommasOutsideQuotesAndAngles() {
        assertThat(NamedAddress.parseList("\"Doe, J\" <j@example.com>, k@example.com,Lee <l@example.com>"))
                .extracting(a -> a.address().toString()).containsExactly("j@example.com", "k@example.com", "l@example.com");
        assertThatThrownBy(() -> NamedAddress.parseList("a@example.com,")).hasMessageContaining("no address");
    }

    @Test
    void namesAreWrittenAsAtomsQuotedOrEncodedAsTheyNeed() {
        assertThat(NamedAddress.parse("News Desk <n@example.com>").toString()).isEqualTo("News Desk <n@example.com>");
        assertThat(NamedAddress.parse("\"Doe, J.\" <j@example.com>").toString()).isEqualTo("\"Doe, J.\" <j@example.com>");
        assertThat(NamedAddress.parse("\"a \\\\ b \\\"c\\\"\" <j@example.com>").toString()).isEqualTo("\"a \\\\ b \\\"c\\\"\" <j@example.com>");
        assertThat(NamedAddress.parse("\"=?x?=\" <j@example.com>").toString()).as("never looks like an encoded word")
                .startsWith("\"=?x?=\"");
        String encoded = NamedAddress.parse("Zoë Ångström <z@example.com>").toString();
        assertThat(encoded).startsWith("=?UTF-8?B?").endsWith(" <z@example.com>");
        assertThat(ParsedMessage.decodeWords(encoded)).isEqualTo("Zoë Ångström <z@example.com>");
        assertThat(NamedAddress.parse("n@example.com").toString()).isEqualTo("n@example.com");
    }
}

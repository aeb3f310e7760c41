package dev.facteur.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.inject.InjectionRequest.Content;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The request's JSON read strictly: each mistake is a 400 that names the field at fault, as a path
 * into the request, and says what is expected there.
 */
class RequestParserTest {

    private static final JsonMapper JSON = new JsonMapper();
    private final RequestParser parser = new RequestParser(new InjectionLimits(1 << 20, 3, 2, 2, 100, 10_000));

    private InjectionRequest parse(String json) throws BadRequest {
        return parser.parse(JSON.readTree(json.replace('\'', '"')));
    }

    private AbstractThrowableAssert<?, ?> refused(String json, String field) {
        return assertThatThrownBy(() -> parse(json)).isInstanceOf(BadRequest.class)
                .satisfies(e -> assertThat(((BadRequest) e).field()).isEqualTo(field));
    }

    @Test
    void aComposedRequestWithEveryField() throws Exception {
        var r = parse("""
                {'from': 'News <news@example.com>', 'to': ['a@example.org', {'address': 'b@example.net', 'name': 'Bob', 'variables': {'n': 2}}],
                 'subject': 'Hi {{name}}', 'text': 't', 'html': '<p>h</p>', 'headers': {'Reply-To': 'help@example.com'},
                 'variables': {'name': 'you', 'vip': false}, 'envelope_from': 'bounces@example.com', 'bulk': true}""");
        assertThat(r.envelopeFrom().toString()).isEqualTo("bounces@example.com");
        assertThat(r.to()).extracting(x -> x.address().toString()).containsExactly("a@example.org", "Bob <b@example.net>");
        assertThat(r.to().get(1).variables()).containsEntry("n", "2");
        var c = (Content.Composed) r.content();
        assertThat(c.from().name()).isEqualTo("News");
        assertThat(c.subject().names()).containsExactly("name");
        assertThat(c.defaults()).containsEntry("vip", "false");
        assertThat(c.headers()).extracting(InjectionRequest.Header::name).containsExactly("Reply-To");
        assertThat(c.bulk()).isTrue();
    }

    @Test
    void theEnvelopeSenderIsTheFromAddressUnlessGiven() throws Exception {
        assertThat(parse("{'from': 'News <news@example.com>', 'to': ['a@example.org'], 'text': 't'}").envelopeFrom().toString())
                .isEqualTo("news@example.com");
    }

    @Test
    void missingOrMalformedFieldsAreNamed() {
        refused("[]", "").hasMessage("the request must be a JSON object");
        refused("{'to': ['a@example.org'], 'text': 't'}", "from").hasMessageContaining("required");
        refused("{'from': 'n@example.com', 'text': 't'}", "to").hasMessageContaining("required");
        refused("{'from': 'n@example.com', 'to': 'a@example.org', 'text': 't'}", "to").hasMessageContaining("a list");
        refused("{'from': 'n@example.com', 'to': [], 'text': 't'}", "to").hasMessage("to: no recipients");
        refused("{'from': 'n@example.com', 'to': ['a@example.org']}", "text").hasMessageContaining("give text, html or both");
        refused("{'from': 'n@example.com', 'to': ['a@example.org', 'not an address'], 'text': 't'}", "to[1]")
                .hasMessageStartingWith("to[1]: not an address: not an address");
        refused("{'from': 'n@example.com', 'to': [{'name': 'Bob'}], 'text': 't'}", "to[0].address");
        refused("{'from': 'n@example.com', 'to': [{'address': 'b@example.org', 'nmae': 'Bob'}], 'text': 't'}", "to[0].nmae")
                .hasMessageContaining("unknown field");
        refused("{'from': 'n@example.com', 'to': ['a@example.org'], 'text': 't', 'htm': 'x'}", "htm").hasMessageContaining("unknown field");
        refused("{'from': 'n@example.com', 'to': ['a@example.org'], 'text': 7}", "text").hasMessage("text: a string");
        refused("{'from': 'n@example.com', 'to': ['a@example.org'], 'text': 't', 'bulk': 'yes'}", "bulk");
        refused("{'from': 'n@example.com', 'to': ['a@example.org'], 'text': 't', 'envelope_from': 'B <b@example.com>'}", "envelope_from");
        refused("{'from': 'n@example.com', 'to': ['a@example.org'], 'text': 'Hi {{first name}}'}", "text")
                .hasMessageContaining("not a variable name");
    }

    @Test
    void recipientsAreBoundedAndNamedOnce() {
        refused("{'from': 'n@example.com', 'to': ['a@x.org', 'b@x.org', 'c@x.org', 'd@x.org'], 'text': 't'}", "to")
                .hasMessage("to: 4 recipients: at most 3 a request");
        refused("{'from': 'n@example.com', 'to': ['a@x.org', 'a@X.Org'], 'text': 't'}", "to[1]").as("the domain's case does not matter")
                .isInstanceOf(BadRequest.class);
        refused("{'from': 'n@example.com', 'to': ['a@x.org', 'Ann <a@x.org>'], 'text': 't'}", "to[1]").hasMessage("to[1]: a@x.org is to[0] already");
    }

    @Test
    void headersAreFieldNamesNotWrittenByFacteurAndAtMostTheLimit() { // RFC 5322 §3.6.8
        refused("{'from': 'n@example.com', 'to': ['a@x.org'], 'text': 't', 'headers': {'X Bad': 'v'}}", "headers.X Bad")
                .hasMessageContaining("not a field name");
        refused("{'from': 'n@example.com', 'to': ['a@x.org'], 'text': 't', 'headers': {'X-A\\r\\nBcc': 'v'}}", "headers.X-A\r\nBcc");
        refused("{'from': 'n@example.com', 'to': ['a@x.org'], 'text': 't', 'headers': {'Content-Type': 'text/html'}}", "headers.Content-Type")
                .hasMessageContaining("written by Facteur");
        refused("{'from': 'n@example.com', 'to': ['a@x.org'], 'text': 't', 'headers': {'subject': 'x'}}", "headers.subject")
                .hasMessageContaining("give it in subject");
        refused("{'from': 'n@example.com', 'to': ['a@x.org'], 'text': 't', 'headers': {'Bcc': 'x@y.org'}}", "headers.Bcc");
        refused("{'from': 'n@example.com', 'to': ['a@x.org'], 'text': 't', 'headers': {'X-A': 'v', 'x-a': 'w'}}", "headers.x-a")
                .hasMessageContaining("given twice");
        refused("{'from': 'n@example.com', 'to': ['a@x.org'], 'text': 't', 'headers': {'X-A': '1', 'X-B': '2', 'X-C': '3'}}", "headers");
        refused("{'from': 'n@example.com', 'to': ['a@x.org'], 'text': 't', 'headers': {'X-A': ['1']}}", "headers.X-A");
    }

    @Test
    void variablesAreScalarsWithNamesAndRecipientIsTaken() {
        refused("{'from': 'n@example.com', 'to': ['a@x.org'], 'text': 't', 'variables': {'a': {'b': 1}}}", "variables.a");
        refused("{'from': 'n@example.com', 'to': ['a@x.org'], 'text': 't', 'variables': {'a': null}}", "variables.a");
        refused("{'from': 'n@example.com', 'to': ['a@x.org'], 'text': 't', 'variables': {'first name': 'x'}}", "variables.first name");
        refused("{'from': 'n@example.com', 'to': [{'address': 'a@x.org', 'variables': {'recipient': 'x'}}], 'text': 't'}",
                "to[0].variables.recipient");
        refused("{'from': 'n@example.com', 'to': ['a@x.org'], 'text': 't', 'variables': {'a': '1', 'b': '2', 'c': '3'}}", "variables");
    }

    @Test
    void halfASurrogatePairIsNoText() {
        assertThatThrownBy(() -> parser.parse(JSON.readTree("{\"from\": \"n@example.com\", \"to\": [\"a@x.org\"], \"text\": \"\\ud83d!\"}")))
                .isInstanceOf(BadRequest.class).hasMessageContaining("lone surrogate");
    }

    @Test
    void aRawMessageKeepsItsHeaderAndTakesTheSenderFromItsFromField() throws Exception {
        var r = parse("{'to': ['a@x.org'], 'raw': 'From: App <app@example.com>\\nSubject: hi\\n\\nbody\\n'}");
        assertThat(r.envelopeFrom().toString()).isEqualTo("app@example.com");
        var raw = ((Content.Raw) r.content()).message();
        assertThat(new String(raw.completed(List.of()), StandardCharsets.UTF_8))
                .isEqualTo("From: App <app@example.com>\r\nSubject: hi\r\n\r\nbody\r\n");
    }

    @Test
    void aRawMessageInBase64MayHoldAnyOctets() throws Exception {
        byte[] latin1 = "From: a@example.com\r\nSubject: caf\u00e9\r\n\r\nd\u00e9j\u00e0\r\n".getBytes(StandardCharsets.ISO_8859_1);
        var r = parse("{'to': ['a@x.org'], 'raw_base64': '" + Base64.getEncoder().encodeToString(latin1) + "'}");
        assertThat(((Content.Raw) r.content()).message().completed(List.of())).isEqualTo(latin1);
    }

    @Test
    void aRawMessageIsCheckedAsRfc5322Wants() {
        refused("{'to': ['a@x.org'], 'raw': 'From: a@example.com\\nSubject: x\\r\\rbody'}", "raw").hasMessageContaining("line 2 holds a CR");
        refused("{'to': ['a@x.org'], 'raw': 'From: a@example.com\\n\\n" + "x".repeat(999) + "'}", "raw")
                .hasMessageContaining("line 3 is longer than 998");
        refused("{'to': ['a@x.org'], 'raw': 'From: a@example.com\\nthis is no field\\n\\nbody'}", "raw").hasMessageContaining("line 2 is neither");
        refused("{'to': ['a@x.org'], 'raw': '\\nbody'}", "raw").hasMessageContaining("no header fields");
        refused("{'to': ['a@x.org'], 'raw': 'From: a@example.com\\n\\n\\u0000'}", "raw").hasMessageContaining("NUL");
        refused("{'to': ['a@x.org'], 'raw': 'Subject: x\\n\\nbody'}", "from").hasMessageContaining("no From field");
        refused("{'to': ['a@x.org'], 'raw_base64': 'not base64!'}", "raw_base64");
        refused("{'to': ['a@x.org'], 'raw': 'From: a@example.com\\n\\nx', 'subject': 'x'}", "subject").hasMessageContaining("not with raw");
        refused("{'to': [{'address': 'a@x.org', 'variables': {'a': '1'}}], 'raw': 'From: a@example.com\\n\\nx'}", "to[0].variables");
        refused("{'to': ['a@x.org'], 'raw': 'From: a@example.com\\n\\nx', 'raw_base64': 'eA=='}", "raw_base64");
    }
}

package dev.facteur.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.mime.Composer;
import dev.facteur.mime.ParsedMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * A request becomes one message when every recipient would get the same, one each when not;
 * each template is filled in for each recipient before anything is sent, so a request that
 * cannot be filled in sends nothing at all; and each message goes to the local submission
 * socket, whose answers come back per recipient.
 */
class InjectionTest {

    private static final JsonMapper JSON = new JsonMapper();
    private static final InjectionLimits LIMITS = new InjectionLimits(1 << 20, 1000, 100, 100, 4096, 100_000);

    @TempDir
    Path dir;
    private FakeSubmissionServer server;
    private Injection injection;

    @BeforeEach
    void start() throws IOException {
        server = FakeSubmissionServer.start(dir.resolve("submit.sock"));
        injection = new Injection(server.socket(), new Composer("mx.facteur.test", Clock.systemUTC(), new Random(3)), LIMITS, Duration.ofMinutes(1));
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private Injection.Result inject(String json) throws BadRequest, IOException {
        return injection.inject(new RequestParser(LIMITS).parse(JSON.readTree(json.replace('\'', '"'))));
    }

    private ParsedMessage sent(int i) {
        return new ParsedMessage(server.transactions().get(i).content());
    }

    @Test
    void oneMessageForAllWhenEveryoneGetsTheSame() throws Exception {
        var r = inject("""
                {'from': 'News <news@example.com>', 'to': ['a@example.org', {'address': 'b@example.net', 'name': 'Bee'}],
                 'subject': 'News for {{who}}', 'text': 'Hello {{who}}', 'variables': {'who': 'everyone'}}""");
        assertThat(server.transactions()).singleElement().satisfies(t -> {
            assertThat(t.mail()).startsWith("<news@example.com>");
            assertThat(t.recipients()).containsExactly("a@example.org", "b@example.net");
        });
        var m = sent(0);
        assertThat(m.field("To")).isEqualTo("a@example.org, Bee <b@example.net>");
        assertThat(m.field("Subject")).isEqualTo("News for everyone");
        assertThat(m.text()).isEqualTo("Hello everyone\r\n");
        assertThat(r.refused()).isEmpty();
        assertThat(r.messages()).singleElement().satisfies(q -> {
            assertThat(q.queueId()).isEqualTo("Q1");
            assertThat(q.messageId()).isEqualTo(m.field("Message-ID"));
            assertThat(q.recipients()).containsExactly("a@example.org", "b@example.net");
        });
    }

    @Test
    void aMessageEachWhenTheirVariablesDiffer() throws Exception {
        var r = inject("""
                {'from': 'news@example.com', 'to': [{'address': 'a@example.org', 'variables': {'name': 'Ann'}}, 'b@example.net'],
                 'subject': 'Hi {{name}}', 'text': 'Dear {{name}},', 'html': '<p>Dear {{name}}, <a href=\\"https://x.test/u?r={{recipient}}\\">x</a>',
                 'variables': {'name': 'friend & co'}}""");
        assertThat(server.transactions()).extracting(FakeSubmissionServer.Transaction::recipients)
                .containsExactly(List.of("a@example.org"), List.of("b@example.net"));
        assertThat(sent(0).field("To")).isEqualTo("a@example.org");
        assertThat(sent(0).field("Subject")).isEqualTo("Hi Ann");
        assertThat(sent(1).field("Subject")).isEqualTo("Hi friend & co");
        assertThat(sent(1).parts().get(0).text()).isEqualTo("Dear friend & co,\r\n");
        assertThat(sent(1).parts().get(1).text()).as("escaped in html").contains("Dear friend &amp; co,").contains("r=b@example.net");
        assertThat(r.messages()).extracting(Injection.Message::queueId).containsExactly("Q1", "Q2");
        assertThat(r.messages().get(0).messageId()).isNotEqualTo(r.messages().get(1).messageId());
    }

    @Test
    void theRecipientVariableAloneMakesAMessageEach() throws Exception {
        inject("{'from': 'news@example.com', 'to': ['a@example.org', 'b@example.net'], 'text': 'sent to {{recipient}}'}");
        assertThat(server.transactions()).extracting(FakeSubmissionServer.Transaction::text)
                .satisfiesExactly(t -> assertThat(t).contains("sent to a@example.org"), t -> assertThat(t).contains("sent to b@example.net"));
    }

    @Test
    void variablesNoTemplateUsesDoNotSplitTheMessage() throws Exception {
        inject("{'from': 'news@example.com', 'to': [{'address': 'a@example.org', 'variables': {'id': '1'}}, "
                + "{'address': 'b@example.net', 'variables': {'id': '2'}}], 'text': 'the same for all'}");
        assertThat(server.transactions()).hasSize(1);
    }

    @Test
    void bulkMailIsAMessageEachMarkedPrecedenceBulk() throws Exception { // RFC 2076 §3.9
        inject("{'from': 'news@example.com', 'to': ['a@example.org', 'b@example.net'], 'subject': 's', 'text': 'x', 'bulk': true}");
        assertThat(server.transactions()).hasSize(2);
        assertThat(sent(0).field("Precedence")).isEqualTo("bulk");
        assertThat(sent(1).field("To")).isEqualTo("b@example.net");
    }

    @Test
    void aVariableWithoutAValueSendsNothingAndNamesTheRecipient() {
        assertThatThrownBy(() -> inject("""
                {'from': 'news@example.com', 'to': [{'address': 'a@example.org', 'variables': {'name': 'Ann'}}, 'b@example.net'],
                 'subject': 'Hi {{name}}', 'text': 'x'}"""))
                .isInstanceOf(BadRequest.class).hasMessage("subject: no value for {{name}} for to[1]: give it in to[1].variables or in variables");
        assertThat(server.connections()).as("nothing sent, not even a connection").isZero();
    }

    @Test
    void aLineBreakFromAVariableCannotAddAHeaderField() { // header injection
        assertThatThrownBy(() -> inject("""
                {'from': 'news@example.com', 'to': ['a@example.org', {'address': 'b@example.net', 'variables': {'name': 'Bob\\r\\nBcc: victim@example.com'}}],
                 'subject': 'Hi {{name}}', 'text': 'x', 'variables': {'name': 'you'}}"""))
                .isInstanceOf(BadRequest.class).hasMessage("subject: a line break in a header value for to[1] (from a variable?)");
        assertThatThrownBy(() -> inject("{'from': 'news@example.com', 'to': ['a@example.org'], 'text': 'x', 'headers': {'X-Tag': '{{t}}'},"
                + " 'variables': {'t': 'a\\nBcc: victim@example.com'}}")).hasMessageStartingWith("headers.X-Tag: a line break");
        assertThatThrownBy(() -> inject("{'from': 'news@example.com', 'to': ['a@example.org'], 'text': 'x', 'headers': {'X-Tag': 'a\\u0000b'}}"))
                .hasMessageStartingWith("headers.X-Tag: a control character");
        assertThat(server.connections()).isZero();
    }

    @Test
    void aShortRequestCannotMakeAHugeMessage() {
        String big = "x".repeat(1000);
        assertThatThrownBy(() -> inject("{'from': 'news@example.com', 'to': ['a@example.org'], 'text': '" + "{{v}}".repeat(200)
                + "', 'variables': {'v': '" + big + "'}}")).isInstanceOf(BadRequest.class)
                .hasMessageContaining("the message would be 200000 characters");
        assertThat(server.connections()).isZero();
    }

    @Test
    void addressFieldsAreReadAndTheirNamesEncoded() throws Exception { // RFC 2047 §5(3)
        inject("{'from': 'Zoë <news@example.com>', 'to': ['a@example.org'], 'text': 'x', 'headers': {'Reply-To': '\\\"Support, Zoë\\\" <help@example.com>',"
                + " 'Cc': '{{boss}}'}, 'variables': {'boss': 'Boss <boss@example.com>'}}");
        var m = sent(0);
        assertThat(ParsedMessage.decodeWords(m.field("From"))).isEqualTo("Zoë <news@example.com>");
        assertThat(ParsedMessage.decodeWords(m.field("Reply-To"))).isEqualTo("Support, Zoë <help@example.com>");
        assertThat(m.field("Cc")).isEqualTo("Boss <boss@example.com>");
        assertThatThrownBy(() -> inject("{'from': 'news@example.com', 'to': ['a@example.org'], 'text': 'x', 'headers': {'Reply-To': 'nobody'}}"))
                .isInstanceOf(BadRequest.class).hasMessageStartingWith("headers.Reply-To: not an address: nobody");
    }

    @Test
    void anOwnToFieldHidesTheRecipients() throws Exception {
        inject("{'from': 'news@example.com', 'to': ['a@example.org', 'b@example.net'], 'text': 'x', 'headers': {'To': 'undisclosed-recipients:;'}}");
        assertThat(server.transactions()).singleElement().satisfies(t -> assertThat(t.recipients()).hasSize(2));
        assertThat(sent(0).field("To")).isEqualTo("undisclosed-recipients:;");
    }

    @Test
    void aRefusedRecipientIsReportedWhileTheOthersAreQueued() throws Exception {
        server.rcpt = to -> to.startsWith("gone@") ? "550 5.7.1 <gone@example.org>: on the suppression list" : "250 2.1.5 Ok";
        var r = inject("{'from': 'news@example.com', 'to': ['a@example.org', 'gone@example.org', 'b@example.net'], 'text': 'x {{recipient}}'}");
        assertThat(r.messages()).extracting(m -> m.recipients().getFirst()).containsExactly("a@example.org", "b@example.net");
        assertThat(r.refused()).singleElement().satisfies(x -> {
            assertThat(x.recipient()).isEqualTo("gone@example.org");
            assertThat(x.reply().text()).startsWith("550 5.7.1");
        });
    }

    @Test
    void aRawMessageGetsWhatItLacksAndLosesItsBcc() throws Exception {
        var r = inject("{'to': ['a@example.org'], 'from': 'App <app@example.com>', 'raw': 'Subject: raw\\nBcc: hidden@example.org\\n\\nbody\\n'}");
        var m = sent(0);
        assertThat(m.fields).doesNotContainKey("bcc");
        assertThat(m.field("From")).isEqualTo("App <app@example.com>");
        assertThat(m.field("Date")).isNotBlank();
        assertThat(m.field("Message-ID")).isEqualTo(r.messages().getFirst().messageId()).endsWith("@mx.facteur.test>");
        assertThat(new String(m.body, StandardCharsets.UTF_8)).isEqualTo("body\r\n");
        assertThat(server.transactions().getFirst().mail()).startsWith("<app@example.com>");
    }

    @Test
    void aRawMessageKeepsItsOwnMessageId() throws Exception {
        var r = inject("{'to': ['a@example.org'], 'raw': 'From: app@example.com\\nMessage-ID: <mine@app.example>\\n\\nbody'}");
        assertThat(r.messages().getFirst().messageId()).isEqualTo("<mine@app.example>");
        assertThat(sent(0).fields.get("message-id")).hasSize(1);
    }

    @Test
    void aServerThatIsNotThereIsAnIOException() throws IOException {
        server.close();
        assertThatThrownBy(() -> inject("{'from': 'news@example.com', 'to': ['a@example.org'], 'text': 'x'}")).isInstanceOf(IOException.class);
    }
}

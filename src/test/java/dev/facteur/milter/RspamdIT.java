package dev.facteur.milter;

import static dev.facteur.milter.Dialogue.GTUBE;
import static dev.facteur.milter.Dialogue.message;
import static dev.facteur.milter.Dialogue.send;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.smtp.Reply;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against rspamd's proxy worker in milter mode, as Postfix talks to it. */
class RspamdIT {

    @TempDir
    static Path dir;
    private static Rspamd rspamd;

    @BeforeAll
    static void start() throws Exception {
        rspamd = Rspamd.start(dir);
    }

    @AfterAll
    static void stop() {
        if (rspamd != null) rspamd.close();
    }

    @Test
    void gtubeIsRejected() throws Exception {
        try (var m = Dialogue.open(rspamd.address())) {
            EndOfMessage eom = send(m, "alice@example.test", "bob@example.org", message("test", GTUBE));
            assertThat(eom.response()).isEqualTo(new Response.ReplyCode(new Reply(554, "5.7.1", "Gtube pattern")));
        }
    }

    @Test
    void anOrdinaryMessageIsAcceptedAsItIs() throws Exception {
        try (var m = Dialogue.open(rspamd.address())) {
            EndOfMessage eom = send(m, "alice@example.test", "bob@example.org", message("lunch", "Shall we meet at noon?"));
            assertThat(eom).isEqualTo(new EndOfMessage(new Response.Accept(), List.of()));
        }
    }

    @Test
    void aMessageScoredForTheAddHeaderActionGetsItsHeader() throws Exception { // rspamd sets X-Spam with SMFIR_CHGHEADER
        try (var m = Dialogue.open(rspamd.address())) {
            EndOfMessage eom = send(m, "alice@example.test", "bob@example.org", message(Rspamd.SPAMMY_SUBJECT, "Click here."));
            assertThat(eom.response()).isInstanceOf(Response.Accept.class);
            assertThat(eom.modifications()).containsExactly(new Modification.ChangeHeader(1, "X-Spam", " Yes"));
        }
    }

    @Test
    void oneConnectionCarriesMessageAfterMessageWithItsMacros() throws Exception {
        try (var m = Dialogue.open(rspamd.address())) {
            assertThat(send(m, "alice@example.test", "bob@example.org", message("one", GTUBE)).response())
                    .isInstanceOf(Response.ReplyCode.class);
            assertThat(send(m, "alice@example.test", "bob@example.org", message("two", "Hello.")).response())
                    .isInstanceOf(Response.Accept.class);
            m.mail("<carol@example.test>", List.of());
            m.abort(); // RSET
            assertThat(send(m, "alice@example.test", "bob@example.org", message("three", GTUBE)).response())
                    .isInstanceOf(Response.ReplyCode.class);
        }
        // the queue id came as the macro i, the client's address with CONNECT
        assertThat(rspamd.log()).contains("qid: <" + Dialogue.QUEUE_ID + ">", "ip: 127.0.0.1");
    }
}

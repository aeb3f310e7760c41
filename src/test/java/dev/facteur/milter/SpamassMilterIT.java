package dev.facteur.milter;

import static dev.facteur.milter.Dialogue.GTUBE;
import static dev.facteur.milter.Dialogue.message;
import static dev.facteur.milter.Dialogue.send;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.smtp.Reply;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against spamass-milter (libmilter) over a unix socket, spamd behind it with local tests only. */
class SpamassMilterIT {

    @TempDir
    static Path dir;
    private static SpamAssassin spamassassin;

    @BeforeAll
    static void start() throws Exception {
        spamassassin = SpamAssassin.start(dir);
    }

    @AfterAll
    static void stop() {
        if (spamassassin != null) spamassassin.close();
    }

    @Test
    void gtubeIsRejectedAndFlagged() throws Exception {
        try (var m = Dialogue.open(spamassassin.address())) {
            EndOfMessage eom = send(m, "alice@example.test", "bob@example.org", message("test", GTUBE));
            assertThat(eom.response()).isEqualTo(new Response.ReplyCode(new Reply(550, "5.7.1", "Blocked by SpamAssassin")));
            assertThat(eom.modifications()).contains(new Modification.AddHeader("X-Spam-Flag", " YES"));
            assertThat(eom.modifications()).anySatisfy(c -> assertThat(c).isInstanceOfSatisfying(Modification.AddHeader.class,
                    h -> assertThat(h.name() + ":" + h.value()).startsWith("X-Spam-Status: Yes, score=").contains("GTUBE")));
        }
    }

    @Test
    void anOrdinaryMessageIsLetThroughWithItsStatus() throws Exception {
        try (var m = Dialogue.open(spamassassin.address())) {
            EndOfMessage eom = send(m, "alice@example.test", "bob@example.org", message("lunch", "Shall we meet at noon?"));
            assertThat(eom.response()).isEqualTo(Response.CONTINUE);
            assertThat(eom.modifications()).anySatisfy(c -> assertThat(c).isInstanceOfSatisfying(Modification.AddHeader.class,
                    h -> assertThat(h.name() + ":" + h.value()).startsWith("X-Spam-Status: No, score=")));
            assertThat(eom.modifications()).noneMatch(c -> c instanceof Modification.AddHeader h && h.name().equals("X-Spam-Flag"));
        }
    }
}

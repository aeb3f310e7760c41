package dev.facteur.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.server.Facteur;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import dev.facteur.testing.WireReply;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Facteur is not an open relay: a client outside {@code relay.networks} (another loopback address,
 * while only 127.0.0.1 may relay) gets mail into our own mailboxes and nowhere else, whatever address
 * tricks it tries. Each case is one RCPT over a raw connection, so the address reaches the
 * server exactly as written.
 */
class OpenRelayIT {

    @TempDir
    Path dir;

    private Facteur server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) server.close();
    }

    private WireClient outsider() throws Exception {
        server = TestConfig.in(dir.resolve("data")).tables("""
                [relay]
                networks = ["127.0.0.1/32"]
                [local]
                domains = ["example.test"]
                users = ["alice"]
                """).start();
        WireClient c = WireClient.connectFrom(server.smtpAddresses().getFirst(), Loopback.host());
        assertThat(c.read().code()).isEqualTo(220);
        assertThat(c.command("EHLO outsider.test").code()).isEqualTo(250);
        // a local sender proves nothing: anyone can write it
        assertThat(c.command("MAIL FROM:<alice@example.test>").code()).isEqualTo(250);
        return c;
    }

    @ParameterizedTest(name = "RCPT TO:<{0}> gets {1} {2}")
    @CsvSource(delimiter = '|', value = {
        "someone@elsewhere.example                 | 554 | 5.7.1",  // plain relaying
        "someone@[127.0.0.9]                       | 554 | 5.7.1",  // an address literal is someone else too
        "@example.test:someone@elsewhere.example   | 554 | 5.7.1",  // source route: ignored, the mailbox is remote
        "@example.test,@example.test:x@elsewhere.example | 554 | 5.7.1",
        "someone%elsewhere.example@example.test    | 550 | 5.1.1",  // percent hack: just an unknown local user
        "\"someone@elsewhere.example\"@example.test | 550 | 5.1.1",  // quoted local part: same
        "elsewhere.example!someone@example.test    | 550 | 5.1.1",  // UUCP bang path: same
        "someone@elsewhere.example@example.test    | 501 | 5.1.3",  // two @: not an address at all
        "someone@elsewhere.example.                | 501 | 5.1.3",  // trailing dot
        "someone@example.test.elsewhere.example    | 554 | 5.7.1",  // our name as a prefix is not us
        "alice+x@elsewhere.example                 | 554 | 5.7.1",
    })
    void addressTricksDoNotRelay(String rcpt, int code, String enhanced) throws Exception {
        try (WireClient c = outsider()) {
            WireReply r = c.command("RCPT TO:<" + rcpt + ">");
            assertThat(r.code()).as(r.toString()).isEqualTo(code);
            assertThat(r.lines().getFirst()).startsWith(enhanced + " ");
        }
    }

    @Test
    void ourOwnMailboxesAreOpenToEveryoneAndNothingElseIsQueued() throws Exception {
        try (WireClient c = outsider()) {
            assertThat(c.command("RCPT TO:<someone@elsewhere.example>").code()).isEqualTo(554);
            assertThat(c.command("RCPT TO:<alice@Example.Test>").code()).isEqualTo(250);
            assertThat(c.command("RCPT TO:<postmaster@example.test>").code()).isEqualTo(250);
            assertThat(c.command("DATA").code()).isEqualTo(354);
            assertThat(c.command("Subject: hi\r\n\r\nhello\r\n.").code()).isEqualTo(250);
        }
        var queued = server.spool().messages();
        assertThat(queued).singleElement().satisfies(m -> assertThat(m.envelope().recipients())
                .extracting(r -> r.address().toString())
                .containsExactly("alice@Example.Test", "postmaster@example.test"));
    }
}

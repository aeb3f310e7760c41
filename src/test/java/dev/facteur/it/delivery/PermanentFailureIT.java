package dev.facteur.it.delivery;

import static dev.facteur.it.delivery.MailWorld.SENDER;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recipient refused for good gets one DSN to the sender (RFC 3461 §6.2, RFC 3464), which the
 * sender's MX receives and Python's email package reads back; the other recipients are unaffected.
 */
class PermanentFailureIT {

    @TempDir
    Path dir;

    @Test
    void aRecipientRefusedWith5xxGetsOneDsnAndTheOthersAreDelivered() throws Exception { // RFC 5321 §4.2.5, RFC 3464
        String goodHost = MailWorld.newHost();
        String rejectHost = MailWorld.newHost();
        var records = new ArrayList<String>();
        records.addAll(MailWorld.mx("good.test", goodHost));
        records.addAll(MailWorld.mx("reject.test", rejectHost));
        try (var world = MailWorld.start(dir, records)) {
            var good = world.sink(goodHost);
            world.sink(rejectHost, "-f", "rcpt"); // every RCPT gets a 5xx
            String id = world.submit("<" + SENDER + "> ENVID=env-42",
                    List.of("<bob@good.test>", "<carol@reject.test> ORCPT=rfc822;carol@reject.test", "<dave@good.test>"),
                    MailWorld.message(SENDER, "three recipients"));

            world.awaitGone(id);
            List<String> delivered = MailWorld.awaitReceived(good, 1);
            assertThat(delivered).hasSize(1);
            assertThat(delivered.getFirst()).contains("X-Rcpt-Args: <bob@good.test>", "X-Rcpt-Args: <dave@good.test>");

            ParsedDsn dsn = world.onlyDsn(id); // one DSN, for carol alone
            assertThat(dsn.mailArgs()).as("RFC 3461 §6.2: a DSN is sent from the null reverse-path").startsWith("<>");
            assertThat(dsn.rcptArgs()).singleElement().asString().startsWith("<" + SENDER + ">");
            assertThat(dsn.defects()).isEmpty();
            assertThat(dsn.contentType()).isEqualTo("multipart/report");                 // RFC 6522 §3
            assertThat(dsn.reportType()).isEqualTo("delivery-status");
            assertThat(dsn.parts()).containsExactly("text/plain", "message/delivery-status", "message/rfc822");
            assertThat(dsn.autoSubmitted()).isEqualTo("auto-replied");                   // RFC 3834 §5
            assertThat(dsn.reportingMta()).isEqualTo("dns; mx.facteur.test");            // RFC 3464 §2.2.2
            assertThat(dsn.arrivalDate()).isNotBlank();                                  // RFC 3464 §2.2.5
            assertThat(dsn.originalEnvelopeId()).isEqualTo("env-42");                    // RFC 3461 §4.4

            ParsedDsn.Rcpt carol = dsn.only();                                           // RFC 3464 §2.3
            assertThat(carol.originalRecipient()).isEqualTo("rfc822; carol@reject.test");
            assertThat(carol.finalRecipient()).isEqualTo("rfc822; carol@reject.test");
            assertThat(carol.action()).isEqualTo("failed");
            assertThat(carol.status()).matches("5\\.\\d{1,3}\\.\\d{1,3}");
            assertThat(carol.remoteMta()).isEqualTo("dns; mx.reject.test");
            assertThat(carol.diagnosticCode()).matches("smtp; 5\\d\\d .*");
            assertThat(carol.diagnosticCode()).as("the server's own enhanced code").contains(" " + carol.status() + " ");

            // RET absent: the whole message comes back (RFC 3461 §4.3 lets the MTA choose; Facteur returns it all).
            assertThat(dsn.returnedHeaders()).containsEntry("Subject", "three recipients");
            assertThat(dsn.returnedBody()).contains("this is the body of three recipients.");
        }
    }

    @Test
    void retHdrsReturnsOnlyTheHeadersOfTheOriginal() throws Exception { // RFC 3461 §4.3, RFC 6522 §4
        String rejectHost = MailWorld.newHost();
        try (var world = MailWorld.start(dir, MailWorld.mx("reject.test", rejectHost))) {
            world.sink(rejectHost, "-f", "rcpt");
            String id = world.submit("<" + SENDER + "> RET=HDRS", List.of("<carol@reject.test>"), MailWorld.message(SENDER, "headers only"));

            ParsedDsn dsn = world.onlyDsn(id);
            assertThat(dsn.parts()).containsExactly("text/plain", "message/delivery-status", "text/rfc822-headers");
            assertThat(dsn.returnedHeaders()).containsEntry("Subject", "headers only");
            assertThat(dsn.returnedBody()).isNull();
            assertThat(world.bounces().messages().getFirst()).doesNotContain("this is the body of headers only");
            assertThat(dsn.only().action()).isEqualTo("failed");
        }
    }

    @Test
    void aDomainWithNullMxBouncesAtOnceWith5_1_10() throws Exception { // RFC 7505 §4.2
        var records = List.of("dns-rr=nullmx.example.test,15,000000"); // MX 0 "."
        try (var world = MailWorld.start(dir, records)) {
            String id = world.submit(SENDER, List.of("bob@nullmx.example.test"), "null mx");

            ParsedDsn.Rcpt bob = world.onlyDsn(id).only();
            assertThat(bob.finalRecipient()).isEqualTo("rfc822; bob@nullmx.example.test");
            assertThat(bob.action()).isEqualTo("failed");
            assertThat(bob.status()).isEqualTo("5.1.10");
            assertThat(bob.remoteMta()).as("no MTA was contacted").isNull();
        }
    }

    @Test
    void aRecipientDomainThatDoesNotExistBouncesWith5_1_2() throws Exception { // RFC 3463 §3.2 X.1.2
        try (var world = MailWorld.start(dir, List.of())) {
            String id = world.submit(SENDER, List.of("bob@no-such-domain.test"), "nxdomain");

            ParsedDsn dsn = world.onlyDsn(id);
            ParsedDsn.Rcpt bob = dsn.only();
            assertThat(bob.finalRecipient()).isEqualTo("rfc822; bob@no-such-domain.test");
            assertThat(bob.action()).isEqualTo("failed");
            assertThat(bob.status()).isEqualTo("5.1.2");
            assertThat(bob.remoteMta()).isNull();
            assertThat(dsn.returnedBody()).contains("this is the body of nxdomain.");
        }
    }

}

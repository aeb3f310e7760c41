package dev.facteur.it.delivery;

import static dev.facteur.it.delivery.MailWorld.REMOTE_PORT;
import static dev.facteur.it.delivery.MailWorld.SENDER;
import static dev.facteur.it.delivery.MailWorld.mx;
import static dev.facteur.it.delivery.MailWorld.newHost;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Recipient;
import dev.facteur.server.Facteur;
import dev.facteur.testing.Closer;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.Patience;
import dev.facteur.testing.PrivateCa;
import dev.facteur.testing.StartTlsStripper;
import dev.facteur.testing.TestConfig;
import dev.facteur.tls.CertificateFiles;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * MTA-STS (RFC 8461) from end to end: a receiving Facteur serves its own policy in enforce mode
 * over HTTPS and takes mail with a certificate of the test authority; the sending Facteur finds
 * the policy through DNS, fetches it, and then delivers only to MX hosts the policy names, over
 * TLS whose certificate verifies. An MX host outside the policy, one whose certificate is not
 * for its name, or the good one behind a man in the middle that strips STARTTLS, gets nothing:
 * the mail waits.
 */
class MtaStsDeliveryIT {

    private static final int POLICY_PORT = 8443;

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer running = new Closer();

    private Facteur receiver(String host, String name, CertificateFiles.Pair cert, String more) throws Exception {
        Facteur f = TestConfig.in(dir.resolve("peer-" + name)).listen(host + ":" + REMOTE_PORT)
                .tables("[tls]\ncertificate = '%s'\nprivate_key = '%s'\n".formatted(cert.certificate(), cert.privateKey()))
                .tables("[local]\ndomains = [\"secure.test\", \"wrongmx.test\", \"badcert.test\", \"stripped.test\"]\nusers = [\"bob\"]\n" + more).start();
        running.add(f);
        return f;
    }

    @Test
    void anEnforcedPolicyLetsMailGoOnlyToItsMxHostsOverVerifiedTls() throws Exception {
        PrivateCa ca = PrivateCa.create("Facteur Test CA");
        Path caFile = ca.writeCertificate(dir.resolve("ca.pem"));
        String good = newHost(), outside = newHost(), misnamed = newHost(), middle = newHost();
        // the policy of all three domains, served by the good MX's own Facteur
        Facteur secure = receiver(good, "secure", ca.issue(dir.resolve("tls-secure"), "mx.secure.test", "mta-sts.secure.test",
                "mta-sts.wrongmx.test", "mta-sts.badcert.test", "mx.stripped.test", "mta-sts.stripped.test"), """
                [mta_sts]
                listen = ["%s:%d"]
                mode = "enforce"
                mx = ["mx.secure.test", "mx.badcert.test", "mx.stripped.test"]
                """.formatted(good, POLICY_PORT));
        Facteur notListed = receiver(outside, "outside", ca.issue(dir.resolve("tls-outside"), "mx.wrongmx.test"), "");
        Facteur wrongName = receiver(misnamed, "misnamed", ca.issue(dir.resolve("tls-misnamed"), "somewhere.else.test"), "");
        // a man in the middle before the good MX, taking STARTTLS out of its EHLO reply
        StartTlsStripper stripper = StartTlsStripper.start(middle, REMOTE_PORT, new InetSocketAddress(good, REMOTE_PORT));
        running.add(stripper);
        List<String> zone = new ArrayList<>();
        for (String d : List.of("secure.test", "wrongmx.test", "badcert.test", "stripped.test")) {
            zone.add("txt-record=_mta-sts." + d + ",\"v=STSv1; id=20261202;\"");
            zone.add("host-record=mta-sts." + d + "," + good);
        }
        zone.addAll(mx("secure.test", good));
        zone.addAll(mx("wrongmx.test", outside));
        zone.addAll(mx("badcert.test", misnamed));
        zone.addAll(mx("stripped.test", middle));
        String sts = "[mta_sts]\npolicy_port = %d\nca_file = '%s'\n".formatted(POLICY_PORT, caFile);
        try (var log = LogCapture.attach("facteur.delivery");
                var world = MailWorld.start(dir, zone, ManualClock.flowing(), c -> c.tables(sts))) {
            String id = world.submit(SENDER, List.of("bob@secure.test", "bob@wrongmx.test", "bob@badcert.test", "bob@stripped.test"), "mta-sts");

            Patience.await("the delivery to the policy's verified MX host").until(() -> !secure.spool().messages().isEmpty());
            var env = MailWorld.awaitEnvelope(world.facteur(), id, "the three others tried and deferred",
                    e -> e.recipients().stream().filter(r -> r.state() == Recipient.State.PENDING && r.diagnostic() != null).count() == 3);
            assertThat(env.recipients()).filteredOn(r -> r.address().domainKey().equals("wrongmx.test")).singleElement()
                    .satisfies(r -> assertThat(r.diagnostic()).contains("4.7.5", "No MX host of wrongmx.test can be used", "not in the MTA-STS policy of wrongmx.test"));
            assertThat(env.recipients()).filteredOn(r -> r.address().domainKey().equals("badcert.test")).singleElement()
                    .satisfies(r -> assertThat(r.diagnostic()).containsIgnoringCase("certificate"));
            assertThat(env.recipients()).filteredOn(r -> r.address().domainKey().equals("stripped.test")).singleElement()
                    .satisfies(r -> assertThat(r.diagnostic()).contains("TLS is required by the MTA-STS policy of stripped.test"));
            assertThat(stripper.stripped()).as("the downgrade was attempted").isPositive();
            assertThat(secure.spool().messages()).as("only secure.test's message reached the good MX").hasSize(1);
            assertThat(notListed.spool().messages()).isEmpty();
            assertThat(wrongName.spool().messages()).isEmpty();
            assertThat(log.messages()).anySatisfy(l -> assertThat(l).contains("to=<bob@secure.test>",
                    "(policy mta-sts, certificate verified)", "status=sent"));
        }
    }
}

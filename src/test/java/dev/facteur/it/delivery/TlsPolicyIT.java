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
import dev.facteur.testing.StoredContent;
import dev.facteur.testing.TestConfig;
import dev.facteur.tls.SelfSigned;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's TLS policy per destination ({@code [[delivery.tls_policy]]}) against real
 * receiving servers with STARTTLS: {@code verify} delivers only over TLS whose certificate
 * verifies for the MX host's name, {@code encrypt} never in plain text, {@code none} never over
 * TLS; and each delivery's log line says which policy applied and whether the certificate was
 * verified.
 */
class TlsPolicyIT {

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer running = new Closer();

    /** A receiving MTA with STARTTLS on {@code host}, for {@code domain}, with a certificate for {@code mx.domain}; it keeps what it takes. */
    private Facteur receiver(String host, String domain, SelfSigned.PemFiles pem) throws Exception {
        Facteur f = TestConfig.in(dir.resolve("peer-" + domain)).listen(host + ":" + REMOTE_PORT).tls(pem)
                .tables("[local]\ndomains = [\"" + domain + "\"]\nusers = [\"bob\"]\n").start();
        running.add(f);
        return f;
    }

    private static String received(Facteur peer) throws Exception {
        return StoredContent.text(peer.spool(), peer.spool().messages().getFirst().envelope().id().toString());
    }

    @Test
    void eachDestinationGetsTheTlsItsPolicySaysAndTheLogSaysWhich() throws Exception {
        String verified = newHost(), untrusted = newHost(), plain = newHost(), notls = newHost();
        var goodPem = SelfSigned.generate(dir.resolve("tls-good"), "mx.good.test");
        var badPem = SelfSigned.generate(dir.resolve("tls-bad"), "mx.bad.test");
        var plainPem = SelfSigned.generate(dir.resolve("tls-plain"), "mx.plain.test");
        Facteur good = receiver(verified, "good.test", goodPem);
        Facteur bad = receiver(untrusted, "bad.test", badPem);
        Facteur cleartext = receiver(plain, "plain.test", plainPem);
        List<String> zone = new ArrayList<>();
        zone.addAll(mx("good.test", verified));
        zone.addAll(mx("bad.test", untrusted));
        zone.addAll(mx("plain.test", plain));
        zone.addAll(mx("notls.test", notls));
        String policies = """
                [[delivery.tls_policy]]
                domains = ["good.test"]
                level = "verify"
                ca_file = '%s'
                [[delivery.tls_policy]]
                domains = ["bad.test"]
                level = "verify"
                [[delivery.tls_policy]]
                domains = ["plain.test"]
                level = "none"
                [[delivery.tls_policy]]
                domains = ["notls.test"]
                level = "encrypt"
                """.formatted(goodPem.certificate());
        try (var log = LogCapture.attach("facteur.delivery");
                var world = MailWorld.start(dir, zone, ManualClock.flowing(), c -> c.delivery(policies))) {
            world.sink(notls); // smtp-sink: no STARTTLS
            String id = world.submit(SENDER, List.of("bob@good.test", "bob@bad.test", "bob@plain.test", "bob@notls.test"), "tls policy");

            Patience.await("the verified and the plain text deliveries").until(() -> !good.spool().messages().isEmpty()
                    && !cleartext.spool().messages().isEmpty());
            assertThat(received(good)).contains("with ESMTPS");
            assertThat(received(cleartext)).as("none: no STARTTLS, though offered").contains("with ESMTP ").doesNotContain("ESMTPS");
            var env = MailWorld.awaitEnvelope(world.facteur(), id, "two recipients tried and deferred",
                    e -> e.recipients().stream().filter(r -> r.state() == Recipient.State.PENDING && r.diagnostic() != null).count() == 2);
            assertThat(env.recipients()).filteredOn(r -> r.address().domainKey().equals("bad.test")).singleElement()
                    .satisfies(r -> assertThat(r.diagnostic()).contains("TLS"));
            assertThat(env.recipients()).filteredOn(r -> r.address().domainKey().equals("notls.test")).singleElement()
                    .satisfies(r -> assertThat(r.diagnostic()).contains("TLS is required by the TLS policy for notls.test"));
            assertThat(bad.spool().messages()).as("an untrusted certificate gets nothing").isEmpty();
            assertThat(log.messages()).anySatisfy(l -> assertThat(l).contains("to=<bob@good.test>", "(policy verify, certificate verified)",
                    "status=sent"));
            assertThat(log.messages()).anySatisfy(l -> assertThat(l).contains("to=<bob@plain.test>", "tls=none (policy none)", "status=sent"));
        }
    }
}

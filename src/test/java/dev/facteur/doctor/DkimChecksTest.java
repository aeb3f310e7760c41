package dev.facteur.doctor;

import static dev.facteur.doctor.World.DOMAIN;
import static dev.facteur.doctor.World.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dkim.DkimKeys;
import dev.facteur.auth.dkim.SigningKey;
import dev.facteur.config.Config;
import dev.facteur.dns.TxtAnswer;
import dev.facteur.testing.FakeDnsResolver;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RFC 6376 §3.6.2: each key we sign with is published at selector._domainkey.domain, and is our key. */
class DkimChecksTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private Config withKey(String selector, KeyPair pair) throws Exception {
        Path file = dir.resolve(selector + ".key");
        DkimKeys.writePrivateKey(pair, file);
        return World.config("[local]\ndomains = [\"" + DOMAIN + "\"]\n[doctor]\npublic_addresses = [\"192.0.2.10\"]\n"
                + "[[dkim.keys]]\ndomain = \"" + DOMAIN + "\"\nselector = \"" + selector + "\"\nprivate_key = '" + file + "'\n");
    }

    private static List<Check> check(Config config, FakeDnsResolver dns, Domain domain) {
        return new DkimChecks(dns, CLOCK).check(World.server(config, dns), domain);
    }

    @Test
    void thePublishedKeyOfThePrivateKeyPasses() throws Exception {
        KeyPair rsa = DkimKeys.generate("rsa", 2048);
        var config = withKey("s2026", rsa);
        var dns = World.dns().withTxt("s2026._domainkey." + DOMAIN, DkimKeys.record(rsa));
        assertThat(lines(check(config, dns, World.local())))
                .containsExactly("pass: The DKIM key s2026._domainkey.example.org matches the private key (rsa, 2048 bits)");
    }

    @Test
    void anotherKeyAtTheSelectorFailsWithTheRecordToPublish() throws Exception {
        KeyPair ours = DkimKeys.generate("rsa", 1024), theirs = DkimKeys.generate("rsa", 1024);
        var config = withKey("s2026", ours);
        var checks = check(config, World.dns().withTxt("s2026._domainkey." + DOMAIN, DkimKeys.record(theirs)), World.local());
        assertThat(lines(checks)).containsExactly("fail: The DKIM key s2026._domainkey.example.org is not the public half of the private key in use");
        assertThat(checks.getFirst().fix()).containsExactly(
                "s2026._domainkey.example.org. TXT " + String.join(" ", DkimKeys.strings(DkimKeys.record(ours))));
    }

    @Test
    void aMissingKeyFailsWithTheRecordKeygenPrints() throws Exception {
        KeyPair ed = DkimKeys.generate("ed25519", 0);
        var config = withKey("ed2026", ed);
        var checks = check(config, World.dns(), World.local());
        assertThat(lines(checks)).containsExactly("fail: The DKIM key ed2026._domainkey.example.org is not published");
        assertThat(checks.getFirst().fix()).as("the public half derived from the private key, as keygen prints it")
                .containsExactly("ed2026._domainkey.example.org. TXT \"" + DkimKeys.record(ed) + "\"");
    }

    @Test
    void anEd25519KeyOfTheRightTypeButAnotherKeyFails() throws Exception {
        var config = withKey("ed2026", DkimKeys.generate("ed25519", 0));
        var dns = World.dns().withTxt("ed2026._domainkey." + DOMAIN, DkimKeys.record(DkimKeys.generate("ed25519", 0)));
        assertThat(lines(check(config, dns, World.local())))
                .containsExactly("fail: The DKIM key ed2026._domainkey.example.org is not the public half of the private key in use");
        var rsaThere = World.dns().withTxt("ed2026._domainkey." + DOMAIN, DkimKeys.record(DkimKeys.generate("rsa", 1024)));
        assertThat(lines(check(config, rsaThere, World.local()))).singleElement().asString()
                .startsWith("fail: The DKIM key ed2026._domainkey.example.org cannot verify our signatures: inappropriate key algorithm");
    }

    @Test
    void aRevokedKeyFails() throws Exception {
        var config = withKey("s2026", DkimKeys.generate("rsa", 1024));
        var dns = World.dns().withTxt("s2026._domainkey." + DOMAIN, "v=DKIM1; k=rsa; p=");
        assertThat(lines(check(config, dns, World.local())))
                .containsExactly("fail: The DKIM key s2026._domainkey.example.org cannot verify our signatures: key revoked (empty p=)");
    }

    @Test
    void aDomainWithoutKeysIsAWarningWithTheCommandThatMakesOne() {
        var dns = World.dns();
        var checks = check(World.config(), dns, World.local());
        assertThat(lines(checks)).containsExactly("warn: No DKIM key signs mail from example.org");
        assertThat(checks.getFirst().fix()).singleElement().asString().startsWith("facteur dkim keygen --domain example.org --selector s2026");
    }

    @Test
    void aSubdomainSignedByItsParentsKeysPasses() throws Exception { // DMARC's relaxed alignment
        var config = withKey("s2026", DkimKeys.generate("rsa", 1024));
        assertThat(lines(check(config, World.dns(), new Domain("news." + DOMAIN, false))))
                .containsExactly("pass: Mail from news.example.org is signed with the keys of example.org");
    }

    @Test
    void anUnansweredKeyIsAWarning() throws Exception {
        var config = withKey("s2026", DkimKeys.generate("rsa", 1024));
        var dns = World.dns().withTxt("s2026._domainkey." + DOMAIN, new TxtAnswer.TempFail("timeout"));
        assertThat(lines(check(config, dns, World.local()))).containsExactly("warn: The DKIM key s2026._domainkey.example.org did not answer");
    }

    @Test
    void theRecordOfAKeyIsWhatKeygenPrints() throws Exception {
        for (KeyPair pair : List.of(DkimKeys.generate("rsa", 1024), DkimKeys.generate("ed25519", 0))) {
            Path file = dir.resolve(pair.getPublic().getAlgorithm() + ".key");
            DkimKeys.writePrivateKey(pair, file);
            assertThat(DkimChecks.record(SigningKey.load(DOMAIN, "s", file))).contains(DkimKeys.record(pair));
        }
    }
}

package dev.facteur.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.net.HostPort;
import dev.facteur.sts.MtaStsSettings;
import dev.facteur.sts.StsPolicy;
import dev.facteur.tls.CertificateFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The [mta_sts] table: receivers' policies looked up by default; our own served only where it listens, with a certificate. */
class MtaStsConfigTest {

    @TempDir
    Path dir;

    private static Config parse(String toml) throws ConfigException {
        return ConfigLoader.parse("hostname = \"mx.example.com\"\n" + toml, "facteur.toml");
    }

    @Test
    void defaults() throws ConfigException {
        Config c = parse("");
        assertThat(c.mtaSts()).isEqualTo(new MtaStsSettings(List.of(), Optional.empty(),
                new StsPolicy(StsPolicy.Mode.TESTING, List.of("mx.example.com"), Duration.ofDays(7)), true, 443,
                Optional.empty(), c.dataDir().resolve("mta-sts")));
    }

    @Test
    void everyKey() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "a CA");
        var s = parse("""
                [mta_sts]
                listen = ["0.0.0.0:443", "[::]:443"]
                certificate = "/etc/facteur/mta-sts.pem"
                private_key = "/etc/facteur/mta-sts.key"
                mode = "enforce"
                mx = ["mx1.example.com", "*.mx.example.net"]
                max_age = "365d"
                policies = false
                policy_port = 8443
                ca_file = "%s"
                cache_dir = "/var/cache/facteur/mta-sts"
                """.formatted(ca)).mtaSts();
        assertThat(s.listen()).containsExactly(new HostPort("0.0.0.0", 443), new HostPort("::", 443));
        assertThat(s.certificate()).contains(new CertificateFiles.Pair(Path.of("/etc/facteur/mta-sts.pem"), Path.of("/etc/facteur/mta-sts.key")));
        assertThat(s.policy()).isEqualTo(new StsPolicy(StsPolicy.Mode.ENFORCE, List.of("mx1.example.com", "*.mx.example.net"), Duration.ofDays(365)));
        assertThat(s.policies()).isFalse();
        assertThat(s.policyPort()).isEqualTo(8443);
        assertThat(s.caFile()).contains(ca);
        assertThat(s.cacheDir()).isEqualTo(Path.of("/var/cache/facteur/mta-sts"));
    }

    @Test
    void theListenerTakesTheTlsCertificateByDefault() throws ConfigException {
        var s = parse("""
                [tls]
                certificate = "/etc/facteur/cert.pem"
                private_key = "/etc/facteur/key.pem"
                [mta_sts]
                listen = ["127.0.0.1:8443"]
                """).mtaSts();
        assertThat(s.certificate()).contains(new CertificateFiles.Pair(Path.of("/etc/facteur/cert.pem"), Path.of("/etc/facteur/key.pem")));
    }

    @Test
    void badValuesNameFileLineAndKey() {
        assertThatThrownBy(() -> parse("[mta_sts]\nlisten = [\"127.0.0.1:8443\"]\n"))
                .hasMessage("facteur.toml:3: mta_sts.listen: needs a certificate valid for mta-sts.DOMAIN: set certificate and private_key here, or [tls]");
        assertThatThrownBy(() -> parse("[mta_sts]\ncertificate = \"/x.pem\"\n"))
                .hasMessage("facteur.toml:3: mta_sts.certificate: needs private_key and certificate together");
        assertThatThrownBy(() -> parse("[mta_sts]\nmode = \"report\"\n"))
                .hasMessage("facteur.toml:3: mta_sts.mode: must be \"enforce\", \"testing\" or \"none\"");
        assertThatThrownBy(() -> parse("[mta_sts]\nmx = [\"mx.*.example.com\"]\n"))
                .hasMessage("facteur.toml:3: mta_sts.mx: mx \"mx.*.example.com\" is not a host name nor *. and a domain");
        assertThatThrownBy(() -> parse("[mta_sts]\nmx = []\n"))
                .hasMessage("facteur.toml:3: mta_sts.mx: a policy in mode testing needs at least one mx");
        assertThatThrownBy(() -> parse("[mta_sts]\nmax_age = \"366d\"\n"))
                .hasMessage("facteur.toml:3: mta_sts.max_age: must be whole seconds, at most 31557600 (a year, RFC 8461 §3.2)");
        assertThatThrownBy(() -> parse("[mta_sts]\nmax_age = \"1500ms\"\n")).hasMessageStartingWith("facteur.toml:3: mta_sts.max_age: must be whole seconds");
        assertThatThrownBy(() -> parse("[mta_sts]\npolicy_port = 0\n")).hasMessageStartingWith("facteur.toml:3: mta_sts.policy_port: must be between 1 and 65535");
        assertThatThrownBy(() -> parse("[mta_sts]\nca_file = \"/nonexistent/ca.pem\"\n"))
                .hasMessage("facteur.toml:3: mta_sts.ca_file: cannot read /nonexistent/ca.pem");
        assertThatThrownBy(() -> parse("[mta_sts]\nmax-age = \"1d\"\n")).hasMessage("facteur.toml:3: mta_sts.max-age: unknown key");
    }

    @Test
    void modeNoneNeedsNoMx() throws ConfigException {
        assertThat(parse("[mta_sts]\nmode = \"none\"\nmx = []\n").mtaSts().policy())
                .isEqualTo(new StsPolicy(StsPolicy.Mode.NONE, List.of(), Duration.ofDays(7)));
    }

    @Test
    void aHostnameThatIsNoMxNameNeedsMx() throws ConfigException { // as [policy] authserv_id: the hostname is a default that must fit
        String odd = "hostname = \"laptop-.example.com\"\n"; // a label may not end with a hyphen
        assertThatThrownBy(() -> ConfigLoader.parse(odd, "facteur.toml"))
                .hasMessage("facteur.toml: mta_sts.mx: the hostname \"laptop-.example.com\" is no MX host name: set mx");
        assertThat(ConfigLoader.parse(odd + "[mta_sts]\nmx = [\"laptop.example.com\"]\n", "facteur.toml").mtaSts().policy().mx())
                .containsExactly("laptop.example.com");
    }
}

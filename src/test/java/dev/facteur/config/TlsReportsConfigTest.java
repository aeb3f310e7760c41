package dev.facteur.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.reports.tls.TlsReportSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The [tls_reports] table: off by default, sent from and about the hostname unless told otherwise. */
class TlsReportsConfigTest {

    private static Config parse(String toml) throws ConfigException {
        return ConfigLoader.parse("hostname = \"mx.example.org\"\n" + toml, "facteur.toml");
    }

    @Test
    void offByDefaultWithTheHostnameEverywhere() throws ConfigException {
        assertThat(parse("").tlsReports()).isEqualTo(new TlsReportSettings(false, "mx.example.org", "postmaster@mx.example.org",
                "noreply-tlsrpt@mx.example.org", Duration.ofMinutes(5)));
        assertThat(parse("").tlsReports().submitter()).isEqualTo("mx.example.org");
    }

    @Test
    void everyKey() throws ConfigException {
        var t = parse("""
                [tls_reports]
                enabled = true
                organization = "Example Org"
                contact = "tls-reports@example.org"
                from = "tlsrpt@Example.org"
                grace = "30m"
                """).tlsReports();
        assertThat(t).isEqualTo(new TlsReportSettings(true, "Example Org", "tls-reports@example.org", "tlsrpt@Example.org",
                Duration.ofMinutes(30)));
        assertThat(t.submitter()).isEqualTo("example.org");
    }

    @Test
    void badValuesNameFileLineAndKey() {
        assertThatThrownBy(() -> parse("[tls_reports]\nfrom = \"not an address\"\n"))
                .hasMessageStartingWith("facteur.toml:3: tls_reports.from: must be an address");
        assertThatThrownBy(() -> parse("[tls_reports]\n\ngrace = \"13h\"\n"))
                .hasMessage("facteur.toml:4: tls_reports.grace: grace must be between 0s and 12h");
        assertThatThrownBy(() -> parse("[tls_reports]\norganization = \"  \"\n"))
                .hasMessageStartingWith("facteur.toml:3: tls_reports.organization:");
        assertThatThrownBy(() -> parse("[tls_reports]\ncontact = \"a\\nb\"\n"))
                .hasMessageStartingWith("facteur.toml:3: tls_reports.contact:");
        assertThatThrownBy(() -> parse("[tls_reports]\nsend = true\n")).hasMessageContaining("tls_reports.send: unknown key");
    }
}

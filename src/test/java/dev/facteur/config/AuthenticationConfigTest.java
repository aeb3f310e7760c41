package dev.facteur.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.auth.dkim.DkimKeys;
import dev.facteur.auth.dmarc.OrgDomainMethod;
import dev.facteur.policy.check.DmarcCheck;
import dev.facteur.policy.check.SpfPolicyCheck;
import dev.facteur.reports.DmarcReportSettings;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code [dkim]} (signing) and the authentication checks' {@code [policy.spf|dkim|dmarc]}. */
class AuthenticationConfigTest {

    @TempDir
    Path dir;

    @Test
    void the_checks_only_record_by_default_but_dmarc_refuses_p_reject_and_holds_quarantine() throws ConfigException {
        Config c = ConfigLoader.parse("hostname = \"mx.example.org\"\n[policy]\nchecks = [\"spf\", \"dkim\", \"dmarc\"]\n", "f.toml");
        var a = c.policy().authentication();
        assertThat(a.authservId()).isEqualTo("mx.example.org");
        assertThat(a.spf()).isEqualTo(SpfPolicyCheck.Settings.DEFAULT);
        assertThat(a.maxSignatures()).isEqualTo(10);
        assertThat(a.dmarc().onReject()).isEqualTo(DmarcCheck.OnReject.REJECT);
        assertThat(a.dmarc().quarantine()).isEqualTo(DmarcCheck.Quarantine.HOLD);
        assertThat(a.dmarc().dmarc().orgDomain()).isEqualTo(OrgDomainMethod.TREE_WALK);
        assertThat(c.policy().authenticates()).isTrue();
        assertThat(ConfigLoader.parse("", "f.toml").policy().authenticates()).isFalse();
    }

    @Test
    void dmarc_needs_spf_and_dkim_before_it() {
        assertThatThrownBy(() -> ConfigLoader.parse("[policy]\nchecks = [\"dkim\", \"dmarc\"]\n", "f.toml"))
                .hasMessage("f.toml:2: policy.checks: \"dmarc\" needs \"spf\" listed before it: DMARC judges what SPF and DKIM found");
        assertThatThrownBy(() -> ConfigLoader.parse("[policy]\nchecks = [\"spf\", \"dmarc\", \"dkim\"]\n", "f.toml"))
                .hasMessageContaining("needs \"dkim\" listed before it");
    }

    @Test
    void each_setting_says_what_it_accepts_with_its_line() {
        assertThatThrownBy(() -> ConfigLoader.parse("[policy.spf]\n\non_fail = \"bounce\"\n", "f.toml"))
                .hasMessage("f.toml:3: policy.spf.on_fail: must be \"reject\" or \"tag\" (only recorded)");
        assertThatThrownBy(() -> ConfigLoader.parse("[policy.spf]\non_temperror = \"reject\"\n", "f.toml"))
                .hasMessageContaining("must be \"defer\" or \"tag\"");
        assertThatThrownBy(() -> ConfigLoader.parse("[policy.dmarc]\nquarantine = \"junk\"\n", "f.toml"))
                .hasMessageContaining("policy.dmarc.quarantine: must be \"hold\"");
        assertThatThrownBy(() -> ConfigLoader.parse("[policy.dmarc]\norg_domain = \"guess\"\n", "f.toml"))
                .hasMessageContaining("policy.dmarc.org_domain");
        assertThatThrownBy(() -> ConfigLoader.parse("[policy.dkim]\nmax_signatures = 0\n", "f.toml"))
                .hasMessageContaining("policy.dkim.max_signatures: must be between 1 and 100");
        assertThatThrownBy(() -> ConfigLoader.parse("[policy.dmarc]\npublic_suffix_list = \"/nonexistent/psl.dat\"\n", "f.toml"))
                .hasMessageContaining("cannot read /nonexistent/psl.dat");
    }

    @Test
    void dmarc_reports_are_off_by_default_and_sent_daily_from_the_hostname_when_on() throws ConfigException {
        var off = ConfigLoader.parse("hostname = \"mx.example.org\"\n", "f.toml").policy().authentication().reports();
        assertThat(off.send()).isFalse();
        assertThat(off.orgName()).isEqualTo("example.org");
        assertThat(off.from()).isEqualTo("dmarc-reports@mx.example.org");
        assertThat(off.interval()).isEqualTo(Duration.ofDays(1));
        assertThat(off.maxRecords()).isEqualTo(10_000);
        var on = ConfigLoader.parse("hostname = \"mx.example.org\"\n[policy]\nchecks = [\"spf\", \"dkim\", \"dmarc\"]\n"
                + "[policy.dmarc.reports]\nsend = true\norg_name = \"Example Org\"\nfrom = \"dmarc@example.org\"\ninterval = \"1h\"\n"
                + "max_records = 500\n", "f.toml").policy().authentication().reports();
        assertThat(on).isEqualTo(new DmarcReportSettings(true, "Example Org", "dmarc@example.org", Duration.ofHours(1), 500));
        assertThat(on.submitter()).isEqualTo("example.org");
    }

    @Test
    void dmarc_report_settings_say_what_they_accept_with_their_line() {
        String checks = "[policy]\nchecks = [\"spf\", \"dkim\", \"dmarc\"]\n[policy.dmarc.reports]\n";
        assertThatThrownBy(() -> ConfigLoader.parse("[policy.dmarc.reports]\nsend = true\n", "f.toml"))
                .hasMessage("f.toml:2: policy.dmarc.reports.send: needs \"dmarc\" in [policy] checks: reports are about what it found");
        assertThatThrownBy(() -> ConfigLoader.parse(checks + "interval = \"7m\"\n", "f.toml"))
                .hasMessage("f.toml:4: policy.dmarc.reports.interval: must be between 1m and 24h and divide a day into whole periods (1h, 6h, 24h...)");
        assertThatThrownBy(() -> ConfigLoader.parse(checks + "interval = \"48h\"\n", "f.toml")).hasMessageContaining("between 1m and 24h");
        assertThatThrownBy(() -> ConfigLoader.parse(checks + "interval = \"30s\"\n", "f.toml")).hasMessageContaining("between 1m and 24h");
        assertThatThrownBy(() -> ConfigLoader.parse(checks + "\nfrom = \"dmarc-reports\"\n", "f.toml"))
                .hasMessageStartingWith("f.toml:5: policy.dmarc.reports.from: must be an address");
        assertThatThrownBy(() -> ConfigLoader.parse(checks + "max_records = 0\n", "f.toml"))
                .hasMessageContaining("policy.dmarc.reports.max_records: must be between 1 and 1000000");
        assertThatThrownBy(() -> ConfigLoader.parse(checks + "ruf = true\n", "f.toml"))
                .hasMessage("f.toml:4: policy.dmarc.reports.ruf: unknown key");
    }

    @Test
    void signing_keys_are_read_at_start_from_the_data_directory_by_default() throws Exception {
        DkimKeys.writePrivateKey(DkimKeys.generate("ed25519", 0), dir.resolve("dkim/example.org.s1.key"));
        Config c = ConfigLoader.parse("data_dir = \"" + dir + "\"\n[[dkim.keys]]\ndomain = \"example.org\"\nselector = \"s1\"\n", "f.toml");
        assertThat(c.dkim().signers().keysFor("example.org", null)).singleElement()
                .satisfies(k -> assertThat(k.key().algorithm()).isEqualTo("ed25519-sha256"));
        assertThat(c.dkim().settings().expire()).isEmpty();
    }

    @Test
    void a_key_that_cannot_be_used_stops_the_start_with_its_line() throws Exception {
        assertThatThrownBy(() -> ConfigLoader.parse("data_dir = \"" + dir + "\"\n[[dkim.keys]]\ndomain = \"example.org\"\nselector = \"s1\"\n",
                "f.toml")).hasMessageStartingWith("f.toml:4: dkim.keys.selector: cannot use the key").hasMessageContaining("facteur dkim keygen");
        java.nio.file.Files.writeString(dir.resolve("junk.pem"), "not a key");
        assertThatThrownBy(() -> ConfigLoader.parse("[[dkim.keys]]\ndomain = \"example.org\"\nselector = \"s1\"\nprivate_key = \""
                + dir.resolve("junk.pem") + "\"\n", "f.toml")).hasMessageStartingWith("f.toml:4: dkim.keys.private_key: cannot use the key");
    }

    @Test
    void rules_must_name_a_domain_with_keys_and_either_a_login_or_a_from_domain() throws Exception {
        DkimKeys.writePrivateKey(DkimKeys.generate("ed25519", 0), dir.resolve("k.pem"));
        String key = "[[dkim.keys]]\ndomain = \"example.org\"\nselector = \"s1\"\nprivate_key = \"" + dir.resolve("k.pem") + "\"\n";
        assertThatThrownBy(() -> ConfigLoader.parse(key + "[[dkim.rules]]\nlogin = \"alice\"\ndomain = \"other.example\"\n", "f.toml"))
                .hasMessageContaining("dkim.rules.domain: no [[dkim.keys]] entry for other.example");
        assertThatThrownBy(() -> ConfigLoader.parse(key + "[[dkim.rules]]\ndomain = \"example.org\"\n", "f.toml"))
                .hasMessageContaining("a rule names either a login or a from_domain");
        Config c = ConfigLoader.parse(key + "[[dkim.rules]]\nfrom_domain = \"customer.example\"\ndomain = \"example.org\"\n", "f.toml");
        assertThat(c.dkim().signers().keysFor("customer.example", null)).hasSize(1);
    }

    @Test
    void signatures_expire_after_at_least_an_hour_when_asked_and_from_is_always_over_signed() throws Exception {
        DkimKeys.writePrivateKey(DkimKeys.generate("ed25519", 0), dir.resolve("k.pem"));
        String key = "[[dkim.keys]]\ndomain = \"example.org\"\nselector = \"s1\"\nprivate_key = \"" + dir.resolve("k.pem") + "\"\n";
        assertThat(ConfigLoader.parse("[dkim]\nexpire = \"7d\"\n" + key, "f.toml").dkim().settings().expire()).contains(Duration.ofDays(7));
        assertThatThrownBy(() -> ConfigLoader.parse("[dkim]\nexpire = \"10m\"\n", "f.toml")).hasMessageContaining("dkim.expire: must be at least 1h");
        assertThatThrownBy(() -> ConfigLoader.parse("[dkim]\noversign = [\"subject\"]\n", "f.toml")).hasMessageContaining("dkim.oversign: must name From");
    }
}

package dev.facteur.shaping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dmarc.PublicSuffixList;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which site mail to a domain belongs to, and its limits: the MX roll-up and the rules of {@link Sites}. */
class SitesTest {

    private static final PublicSuffixList PSL = PublicSuffixList.bundled();
    private static final SiteLimits FIVE = new SiteLimits(5, 100, 50, 300, 0, Duration.ZERO);
    private static final SiteLimits TWO = new SiteLimits(2, 10, 50, 60, 1000, Duration.ofSeconds(1));

    private static Sites sites(ShapingRule... rules) {
        return new Sites(List.of(rules), SiteLimits.DEFAULTS, PSL::registrableDomain);
    }

    private static ShapingRule forDomains(String site, SiteLimits limits, String... domains) {
        return new ShapingRule(List.of(domains), List.of(), site, limits);
    }

    private static ShapingRule forServers(String site, SiteLimits limits, String... mx) {
        return new ShapingRule(List.of(), List.of(mx), site, limits);
    }

    // -- the roll-up --

    @Test
    void theSiteIsTheRegistrableDomainOfTheMostPreferredMailServer() {
        assertThat(sites().of("example.org", List.of("aspmx.l.google.com", "alt1.aspmx.l.google.com")))
                .isEqualTo(new Site("google.com", SiteLimits.DEFAULTS));
        assertThat(sites().of("example.org", List.of("example-org.mail.protection.outlook.com")).name()).isEqualTo("outlook.com");
        assertThat(sites().of("example.co.uk", List.of("mx1.hosting.co.uk", "backup.other.example")).name())
                .as("public suffix plus one label, of the first server").isEqualTo("hosting.co.uk");
    }

    @Test
    void domainsServedByOneProviderShareOneSite() {
        var sites = sites();
        assertThat(sites.of("example.org", List.of("aspmx.l.google.com")))
                .isEqualTo(sites.of("example.net", List.of("alt2.aspmx.l.google.com")));
    }

    @Test
    void aDomainWithoutMxRollsUpToItsOwnRegistrableDomain() {
        assertThat(sites().of("shop.example.co.uk", List.of()).name()).isEqualTo("example.co.uk");
    }

    @Test
    void mailThroughARelayRollsUpToTheRelaysDomain() { // the servers are the relay's name alone
        assertThat(sites().of("example.org", List.of("smtp.relay.example.net")).name()).isEqualTo("example.net");
    }

    // -- the rules --

    @Test
    void aRuleByDomainGivesItsLimitsAndItsSiteName() {
        var sites = sites(forDomains("example-org", FIVE, "example.org"));
        assertThat(sites.of("example.org", List.of("aspmx.l.google.com"))).isEqualTo(new Site("example-org", FIVE));
        assertThat(sites.of("example.net", List.of("aspmx.l.google.com"))).isEqualTo(new Site("google.com", SiteLimits.DEFAULTS));
    }

    @Test
    void aRuleWithoutASiteNameKeepsTheRolledUpName() {
        assertThat(sites(forDomains(null, FIVE, "example.org")).of("example.org", List.of("aspmx.l.google.com")))
                .isEqualTo(new Site("google.com", FIVE));
    }

    @Test
    void aRuleByMailServerPatternMatchesAnyOfTheServers() {
        var sites = sites(forServers("outlook", FIVE, "*.protection.outlook.com"));
        assertThat(sites.of("example.org", List.of("mx.example.org", "example-org.mail.protection.outlook.com")))
                .as("the second server").isEqualTo(new Site("outlook", FIVE));
    }

    @Test
    void aPatternIsForNamesBelowItOnly() {
        var sites = sites(forServers(null, FIVE, "*.google.com"));
        assertThat(sites.of("example.org", List.of("aspmx.l.google.com")).limits()).isEqualTo(FIVE);
        assertThat(sites.of("example.org", List.of("google.com")).limits()).as("the name itself").isEqualTo(SiteLimits.DEFAULTS);
        assertThat(sites.of("example.org", List.of("mx.notgoogle.com")).limits()).as("a name that ends alike")
                .isEqualTo(SiteLimits.DEFAULTS);
    }

    @Test
    void aServerNameWithoutStarIsExact() {
        var sites = sites(forServers(null, FIVE, "mx.example.net"));
        assertThat(sites.of("example.org", List.of("mx.example.net")).limits()).isEqualTo(FIVE);
        assertThat(sites.of("example.org", List.of("mx2.mx.example.net")).limits()).isEqualTo(SiteLimits.DEFAULTS);
    }

    @Test
    void theFirstRuleThatMatchesWins() {
        var sites = sites(forServers("google", FIVE, "*.google.com"), forDomains("example-org", TWO, "example.org"));
        assertThat(sites.of("example.org", List.of("aspmx.l.google.com"))).isEqualTo(new Site("google", FIVE));
        assertThat(sites.of("example.org", List.of("mx.example.org"))).isEqualTo(new Site("example-org", TWO));
    }

    @Test
    void aDomainWithoutMxIsItsOwnMailServerForTheRules() { // RFC 5321 §5.1: the implicit MX
        var sites = sites(forServers("hoster", FIVE, "*.hoster.example"));
        assertThat(sites.of("shop.hoster.example", List.of())).isEqualTo(new Site("hoster", FIVE));
    }

    // -- names as they come --

    @Test
    void namesAreComparedWithoutTrailingDotOrCase() {
        var sites = sites(forDomains("example-org", FIVE, "example.org"), forServers("google", TWO, "*.google.com"));
        assertThat(sites.of("Example.ORG.", List.of("MX.Example.ORG."))).isEqualTo(new Site("example-org", FIVE));
        assertThat(sites.of("example.net", List.of("ASPMX.L.Google.COM."))).isEqualTo(new Site("google", TWO));
        assertThat(sites().of("example.net", List.of("ASPMX.L.Google.COM.")).name()).isEqualTo("google.com");
    }

    @Test
    void rulesAreWrittenWithoutRegardToTrailingDotOrCase() {
        var sites = sites(forDomains("example-org", FIVE, "Example.ORG."), forServers("google", TWO, "*.Google.COM."));
        assertThat(sites.of("example.org", List.of("mx.example.org"))).isEqualTo(new Site("example-org", FIVE));
        assertThat(sites.of("example.net", List.of("aspmx.l.google.com"))).isEqualTo(new Site("google", TWO));
    }
}

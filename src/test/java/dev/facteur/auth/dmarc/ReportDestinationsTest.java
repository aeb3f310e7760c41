package dev.facteur.auth.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dmarc.ReportDestinations.Destination;
import dev.facteur.dns.TxtAnswer;
import dev.facteur.testing.FakeDnsResolver;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 7489 §7.1 / RFC 9990 §3 (external destinations), §6.2 (size limits, how many URIs). */
class ReportDestinationsTest {

    private final FakeDnsResolver dns = new FakeDnsResolver();

    private List<Destination> verify(String policyDomain, String rua) {
        List<ReportUri> uris = DmarcRecordTest.valid("v=DMARC1; p=none; rua=" + rua).rua();
        return new ReportDestinations(dns, PublicSuffixListTest.PSL, 2).verify(policyDomain, uris);
    }

    private static List<String> sendTo(List<Destination> destinations) {
        return destinations.stream().filter(d -> d instanceof Destination.Send).map(d -> ((Destination.Send) d).address()).toList();
    }

    @Test void addressInTheSameOrganizationNeedsNoVerification() {
        List<Destination> d = verify("shop.example.com", "mailto:dmarc@reports.example.com");
        assertThat(sendTo(d)).containsExactly("dmarc@reports.example.com");
        assertThat(dns.asked()).isEmpty();
    }

    @Test void externalAddressIsUsedWhenItsDomainAgrees() { // the RFC's blue.example.com / red.example.net example
        dns.withTxt("blue.example.com._report._dmarc.red.example.net", "v=DMARC1");
        assertThat(sendTo(verify("blue.example.com", "mailto:reports@red.example.net"))).containsExactly("reports@red.example.net");
        assertThat(dns.asked()).containsExactly("TXT blue.example.com._report._dmarc.red.example.net");
    }

    @Test void externalAddressIsSkippedWithoutItsConsent() {
        dns.withTxt("blue.example.com._report._dmarc.red.example.net", "v=spf1 -all");
        List<Destination> d = verify("blue.example.com", "mailto:reports@red.example.net");
        assertThat(d).singleElement().isInstanceOf(Destination.Skip.class);
        assertThat(((Destination.Skip) d.getFirst()).reason()).contains("did not authorize");
        assertThat(verify("blue.example.com", "mailto:victim@elsewhere.example")).singleElement().isInstanceOf(Destination.Skip.class);
    }

    @Test void wildcardConsentIsARecordLikeAnyOther() { // "*._report._dmarc.example.com"
        dns.withTxt("anyone.example._report._dmarc.red.example.net", "v=DMARC1;");
        assertThat(sendTo(verify("anyone.example", "mailto:reports@red.example.net"))).hasSize(1);
    }

    @Test void temporaryFailureMeansTryAgainLater() { // RFC 9990 §3 step 5
        dns.withTxt("blue.example.com._report._dmarc.red.example.net", new TxtAnswer.TempFail("timeout"));
        assertThat(verify("blue.example.com", "mailto:reports@red.example.net")).singleElement().isInstanceOf(Destination.Later.class);
    }

    @Test void consentingDomainMayRedirectWithinItself() { // step 9
        dns.withTxt("blue.example.com._report._dmarc.red.example.net", "v=DMARC1; rua=mailto:blue-reports@red.example.net!5m");
        List<Destination> d = verify("blue.example.com", "mailto:reports@red.example.net");
        assertThat(sendTo(d)).containsExactly("blue-reports@red.example.net");
        assertThat(d.getFirst().uri().sizeLimit()).hasValue(5L << 20);
    }

    @Test void redirectToAnotherHostSendsToNeither() { // "MUST NOT generate a report to either"
        dns.withTxt("blue.example.com._report._dmarc.red.example.net", "v=DMARC1; rua=mailto:x@green.example.org");
        assertThat(verify("blue.example.com", "mailto:reports@red.example.net")).singleElement().isInstanceOf(Destination.Skip.class);
    }

    @Test void onlyMailtoIsUsed() { // RFC 7489 §7.2.1; DMARCbis: unsupported schemes MUST be ignored
        List<Destination> d = verify("example.com", "https://reports.example.com/dmarc,mailto:d@example.com");
        assertThat(d.getFirst()).isInstanceOf(Destination.Skip.class);
        assertThat(((Destination.Skip) d.getFirst()).reason()).contains("mailto");
        assertThat(sendTo(d)).containsExactly("d@example.com");
    }

    @Test void atMostTheConfiguredNumberOfAddresses() { // RFC 7489 §6.2: at least two must be supported
        List<Destination> d = verify("example.com", "mailto:a@example.com,mailto:b@example.com,mailto:c@example.com");
        assertThat(sendTo(d)).containsExactly("a@example.com", "b@example.com");
        assertThat(d.getLast()).isInstanceOf(Destination.Skip.class);
    }

    @Test void theSameAddressTwiceGetsOneReport() {
        assertThat(sendTo(verify("example.com", "mailto:a@example.com,mailto:A@example.com"))).containsExactly("a@example.com");
    }

    @Test void reportsOverTheSizeLimitAreNotSentThere() { // RFC 7489 §6.2
        List<Destination> d = ReportDestinations.bySize(verify("example.com", "mailto:small@example.com!1k,mailto:big@example.com!1m"), 5000);
        assertThat(sendTo(d)).containsExactly("big@example.com");
        assertThat(((Destination.Skip) d.getFirst()).reason()).contains("5000 bytes exceeds the limit of 1024");
        assertThat(new Destination.Send(d.getLast().uri(), "big@example.com").accepts(1L << 20)).isTrue();
    }

    @Test void staticVerifyUsesTheTreeWalk() {
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=none; psd=n");
        var uris = DmarcRecordTest.valid("v=DMARC1; p=none; rua=mailto:d@reports.example.com").rua();
        assertThat(ReportDestinations.verify(dns, "example.com", uris)).singleElement().isInstanceOf(Destination.Send.class);
    }
}

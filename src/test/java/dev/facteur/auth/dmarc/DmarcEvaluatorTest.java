package dev.facteur.auth.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dmarc.AuthResults.DkimAuth;
import dev.facteur.auth.dmarc.AuthResults.SpfAuth;
import dev.facteur.auth.dmarc.AuthResults.SpfScope;
import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.TxtAnswer;
import dev.facteur.testing.FakeDnsResolver;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** DMARCbis §4.10.1 and §5.3: from the Author Domain and the SPF and DKIM results to a verdict. */
class DmarcEvaluatorTest {

    private final FakeDnsResolver dns = new FakeDnsResolver();

    private DmarcResult evaluate(String author, AuthResults auth) {
        return new DmarcEvaluator(dns, OrgDomainMethod.TREE_WALK, null).evaluate(author, auth);
    }

    private DmarcResult evaluateWithPsl(String author, AuthResults auth) {
        return new DmarcEvaluator(dns, OrgDomainMethod.PSL, PublicSuffixListTest.PSL).evaluate(author, auth);
    }

    private static AuthResults nothingPassed() {
        return new AuthResults(Optional.empty(), List.of());
    }

    private static AuthResults dkimPass(String d) {
        return new AuthResults(Optional.empty(), List.of(new DkimAuth(d, "s1", "pass")));
    }

    private static AuthResults spfPass(String domain) {
        return new AuthResults(Optional.of(new SpfAuth(domain, SpfScope.MFROM, "pass")), List.of());
    }

    @Test void alignedDkimPasses() {
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=reject");
        DmarcResult r = evaluate("example.com", dkimPass("example.com"));
        assertThat(r).isInstanceOf(DmarcResult.Pass.class);
        assertThat(r.disposition()).isEqualTo(Policy.NONE);
        assertThat(r.methodResult()).isEqualTo("dmarc=pass (p=reject dis=none) header.from=example.com");
    }

    @Test void failureAsksForThePolicy() {
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=reject");
        DmarcResult r = evaluate("example.com", dkimPass("attacker.example"));
        assertThat(r).isInstanceOf(DmarcResult.Fail.class);
        assertThat(r.disposition()).isEqualTo(Policy.REJECT);
        assertThat(r.methodResult()).isEqualTo("dmarc=fail (p=reject dis=reject) header.from=example.com");
    }

    @Test void relaxedAlignmentAcceptsAnotherNameOfTheSameOrganization() { // §3.2.10.1, Table 1
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=reject");
        assertThat(evaluate("news.example.com", spfPass("foo.example.com"))).isInstanceOf(DmarcResult.Pass.class);
        assertThat(evaluate("news.example.com", spfPass("foo.example.net"))).isInstanceOf(DmarcResult.Fail.class);
        assertThat(evaluateWithPsl("news.example.com", spfPass("foo.example.com"))).isInstanceOf(DmarcResult.Pass.class);
    }

    @Test void strictAlignmentWantsTheSameName() { // §3.2.10.2
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=reject; adkim=s; aspf=s");
        assertThat(evaluate("example.com", dkimPass("mail.example.com"))).isInstanceOf(DmarcResult.Fail.class);
        assertThat(evaluate("example.com", dkimPass("EXAMPLE.com."))).as("case and the root's dot do not matter").isInstanceOf(DmarcResult.Pass.class);
    }

    @Test void onlyPassingResultsCount() { // §4.4.1, §4.4.2
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=quarantine");
        var auth = new AuthResults(Optional.of(new SpfAuth("example.com", SpfScope.MFROM, "softfail")),
                List.of(new DkimAuth("example.com", "s1", "fail (body hash did not verify)"), new DkimAuth("example.com", "s2", "temperror")));
        DmarcResult r = evaluate("example.com", auth);
        assertThat(r).isInstanceOf(DmarcResult.Fail.class);
        var alignment = ((DmarcResult.Fail) r).alignment();
        assertThat(alignment.dkim().outcome()).isEqualTo(IdentifierAlignment.Outcome.NO_PASS);
        assertThat(alignment.spf().outcome()).isEqualTo(IdentifierAlignment.Outcome.NO_PASS);
    }

    @Test void anyAlignedSignatureIsEnough() { // §4.4.1 "if any DKIM-Authenticated Identifier aligns"
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=reject");
        var auth = new AuthResults(Optional.empty(), List.of(new DkimAuth("esp.example", "s", "pass"), new DkimAuth("example.com", "s", "pass")));
        var r = (DmarcResult.Pass) evaluate("example.com", auth);
        assertThat(r.alignment().dkim()).isEqualTo(IdentifierAlignment.pass("example.com"));
    }

    @Test void spfForANullReversePathUsesTheHeloIdentity() { // RFC 7208 §2.4
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=reject");
        var auth = new AuthResults(Optional.of(new SpfAuth("mx.example.com", SpfScope.HELO, "pass")), List.of());
        assertThat(evaluate("example.com", auth)).isInstanceOf(DmarcResult.Pass.class);
    }

    @Test void existingSubdomainGetsSp() { // §4.10.1
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine; np=none")
                .withAddresses("shop.example.com", "192.0.2.1");
        DmarcResult r = evaluate("shop.example.com", nothingPassed());
        assertThat(r.appliedPolicy().orElseThrow().tag()).isEqualTo(AppliedPolicy.Tag.SP);
        assertThat(r.disposition()).isEqualTo(Policy.QUARANTINE);
        assertThat(r.appliedPolicy().orElseThrow().policyDomain()).isEqualTo("example.com");
    }

    @Test void nonExistentSubdomainGetsNp() { // §4.7 np; RFC 9091 §2.7: NXDOMAIN for A, AAAA and MX
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=none; sp=none; np=reject");
        DmarcResult r = evaluate("ghost.example.com", nothingPassed());
        assertThat(r.appliedPolicy().orElseThrow().tag()).isEqualTo(AppliedPolicy.Tag.NP);
        assertThat(r.disposition()).isEqualTo(Policy.REJECT);
        assertThat(dns.asked()).contains("ADDR ghost.example.com", "MX ghost.example.com");
        assertThat(r.methodResult()).isEqualTo("dmarc=fail (p=none sp=none np=reject dis=reject) header.from=ghost.example.com");
    }

    @Test void subdomainWithOnlyAnMxExists() {
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=none; np=reject")
                .withMx("mail-only.example.com", new dev.facteur.dns.Mx(10, "mx.example.com"));
        assertThat(evaluate("mail-only.example.com", nothingPassed()).appliedPolicy().orElseThrow().tag()).isEqualTo(AppliedPolicy.Tag.SP);
    }

    @Test void existenceIsNotAskedWhenNpWouldNotChangeAnything() {
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=reject");
        evaluate("ghost.example.com", nothingPassed());
        assertThat(dns.asked()).noneMatch(q -> q.startsWith("ADDR") || q.startsWith("MX"));
    }

    @Test void existenceCheckThatTimesOutIsATempError() {
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=none; np=reject")
                .withAddresses("ghost.example.com", new AddressAnswer.TempFail("timeout"));
        assertThat(evaluate("ghost.example.com", nothingPassed())).isInstanceOf(DmarcResult.TempError.class);
    }

    @Test void testingLowersTheDispositionOneLevel() { // §4.7 t=y
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=reject; t=y")
                .withTxt("_dmarc.example.org", "v=DMARC1; p=quarantine; t=y")
                .withTxt("_dmarc.example.net", "v=DMARC1; p=reject; pct=0");
        DmarcResult reject = evaluate("example.com", nothingPassed());
        assertThat(reject.disposition()).isEqualTo(Policy.QUARANTINE);
        assertThat(reject.appliedPolicy().orElseThrow().requested()).isEqualTo(Policy.REJECT);
        assertThat(reject.methodResult()).isEqualTo("dmarc=fail (p=reject t=y dis=quarantine) header.from=example.com");
        assertThat(evaluate("example.org", nothingPassed()).disposition()).isEqualTo(Policy.NONE);
        assertThat(evaluate("example.net", nothingPassed()).disposition()).as("pct=0 reads as t=y").isEqualTo(Policy.QUARANTINE);
    }

    @Test void noRecordIsNone() { // §5.3.2
        DmarcResult r = evaluate("example.com", dkimPass("example.com"));
        assertThat(r).isInstanceOf(DmarcResult.None.class);
        assertThat(r.methodResult()).isEqualTo("dmarc=none header.from=example.com");
    }

    @Test void severalRecordsAtTheAuthorDomainAreDiscarded() { // §4.10 step 2
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=reject", "v=DMARC1; p=none");
        assertThat(evaluate("example.com", nothingPassed())).isInstanceOf(DmarcResult.None.class);
    }

    @Test void severalRecordsAtTheAuthorDomainLeaveTheOrganizationalDomainsRecord() {
        dns.withTxt("_dmarc.mail.example.com", "v=DMARC1; p=none", "v=DMARC1; p=none; sp=none")
                .withTxt("_dmarc.example.com", "v=DMARC1; p=reject");
        assertThat(evaluate("mail.example.com", nothingPassed()).disposition()).isEqualTo(Policy.REJECT);
    }

    @Test void dnsTroubleWhileDiscoveringIsATempError() { // §5.3.6: cannot be considered to pass or fail
        dns.withTxt("_dmarc.example.com", new TxtAnswer.TempFail("SERVFAIL"));
        DmarcResult r = evaluate("example.com", dkimPass("example.com"));
        assertThat(r).isInstanceOf(DmarcResult.TempError.class);
        assertThat(r.methodResult()).isEqualTo("dmarc=temperror header.from=example.com");
        dns.withTxt("_dmarc.mail.example.org", new TxtAnswer.NxDomain()).withTxt("_dmarc.org", new TxtAnswer.TempFail("timeout"));
        assertThat(evaluate("mail.example.org", nothingPassed())).isInstanceOf(DmarcResult.TempError.class);
    }

    @Test void dnsTroubleWhileAligningMattersOnlyIfNothingElseAligned() {
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=reject")
                .withTxt("_dmarc.mail.example.com", new TxtAnswer.TempFail("timeout"));
        assertThat(evaluate("example.com", new AuthResults(Optional.of(new SpfAuth("example.com", SpfScope.MFROM, "pass")),
                List.of(new DkimAuth("mail.example.com", "s", "pass"))))).isInstanceOf(DmarcResult.Pass.class);
        assertThat(evaluate("example.com", dkimPass("mail.example.com"))).isInstanceOf(DmarcResult.TempError.class);
    }

    @Test void unusableRecordIsAPermError() { // §4.10.1 "applies no DMARC processing"; RFC 8601 permerror
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=block");
        DmarcResult r = evaluate("example.com", nothingPassed());
        assertThat(r).isInstanceOf(DmarcResult.PermError.class);
        assertThat(r.disposition()).isEqualTo(Policy.NONE);
    }

    @Test void authorDomainThatIsNoDomainIsAPermError() {
        assertThat(evaluate("exa mple..com", nothingPassed())).isInstanceOf(DmarcResult.PermError.class);
    }

    @Test void unicodeAuthorDomainsAreComparedAsALabels() { // §5.3.1
        dns.withTxt("_dmarc.xn--bcher-kva.example", "v=DMARC1; p=reject");
        DmarcResult r = evaluate("bücher.example", dkimPass("xn--bcher-kva.example"));
        assertThat(r).isInstanceOf(DmarcResult.Pass.class);
        assertThat(r.methodResult()).endsWith("header.from=xn--bcher-kva.example");
    }

    @Test void theTwoMethodsDisagreeWhereDmarcbisMeantThemTo() {
        // blogspot.com is a PRIVATE public suffix; under the walk, its record covers its subdomains.
        dns.withTxt("_dmarc.blogspot.com", "v=DMARC1; p=reject");
        assertThat(evaluate("someone.blogspot.com", nothingPassed())).isInstanceOf(DmarcResult.Fail.class);
        assertThat(evaluateWithPsl("someone.blogspot.com", nothingPassed())).isInstanceOf(DmarcResult.None.class);
    }

    @Test void pslMethodFindsThePsdRecordOnlyWithPsdYes() { // RFC 9091 via DMARCbis psd=y
        dns.withTxt("_dmarc.co.uk", "v=DMARC1; p=reject; psd=y");
        DmarcResult r = evaluateWithPsl("shop.example.co.uk", nothingPassed());
        assertThat(r.appliedPolicy().orElseThrow().policyDomain()).isEqualTo("co.uk");
        assertThat(r.appliedPolicy().orElseThrow().method()).isEqualTo(OrgDomainMethod.PSL);
    }

    @Test void severalAuthorDomainsTakeTheStrictestVerdict() { // §11.5
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=none").withTxt("_dmarc.example.org", "v=DMARC1; p=reject");
        var evaluator = new DmarcEvaluator(dns, OrgDomainMethod.TREE_WALK, null);
        DmarcResult r = evaluator.evaluateAll(List.of("example.com", "example.org"), dkimPass("example.com"));
        assertThat(r).isInstanceOf(DmarcResult.Fail.class);
        assertThat(r.authorDomain()).isEqualTo("example.org");
        assertThat(evaluator.evaluateAll(List.of("example.com", "example.org"),
                new AuthResults(Optional.empty(), List.of(new DkimAuth("example.com", "a", "pass"), new DkimAuth("example.org", "b", "pass")))))
                .isInstanceOf(DmarcResult.Pass.class);
    }

    @Test void authorDomainsAreCountedOnceAndLimited() {
        assertThat(AuthorDomains.of(List.of("Example.com", "example.com."), 4)).isEqualTo(new AuthorDomains.One("example.com"));
        assertThat(AuthorDomains.of(List.of("a.example", "b.example"), 4)).isInstanceOf(AuthorDomains.Several.class);
        assertThat(AuthorDomains.of(List.of("a.example", "b.example", "c.example"), 2)).isInstanceOf(AuthorDomains.TooMany.class);
        assertThat(AuthorDomains.of(List.of(), 2)).isInstanceOf(AuthorDomains.NoDomain.class);
    }

    @Test void aTemporaryErrorOutranksAFailureThatIsNotAReject() {
        var quarantine = new DmarcResult.Fail("a.example", AppliedPolicy.of("a.example", DmarcRecordTest.valid("v=DMARC1; p=quarantine"),
                AppliedPolicy.Tag.P, OrgDomainMethod.TREE_WALK), new DmarcResult.Alignment(IdentifierAlignment.noPass(), IdentifierAlignment.noPass()));
        var temp = new DmarcResult.TempError("b.example", "timeout");
        assertThat(AuthorDomains.strictest(List.of(quarantine, temp))).isSameAs(temp);
    }

    @Test void hostileFromDomainsAreQuotedInTheHeader() {
        assertThat(new DmarcResult.PermError("evil\r\nX-Injected: yes", "no").methodResult())
                .isEqualTo("dmarc=permerror header.from=\"evil??X-Injected: yes\"");
    }
}

package dev.facteur.reports.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.TxtAnswer;
import dev.facteur.message.Mailbox;
import dev.facteur.reports.tls.TlsRptRecord.Lookup;
import dev.facteur.reports.tls.TlsRptRecord.Rua;
import dev.facteur.testing.FakeDnsResolver;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** RFC 8460 §3: the TLSRPT record at {@code _smtp._tls.DOMAIN}, where a domain's reports go. */
class TlsRptRecordTest {

    private static TlsRptRecord found(String text) {
        Lookup l = TlsRptRecord.parse(text);
        assertThat(l).as(text).isInstanceOf(Lookup.Found.class);
        return ((Lookup.Found) l).record();
    }

    private static void none(String text) {
        assertThat(TlsRptRecord.parse(text)).as(text).isInstanceOf(Lookup.None.class);
    }

    @Test
    void theRfcsMailtoExample() { // RFC 8460 §3.1
        assertThat(found("v=TLSRPTv1;rua=mailto:reports@example.com").rua())
                .containsExactly(new Rua.Mailto("mailto:reports@example.com", new Mailbox("reports", "example.com")));
    }

    @Test
    void theRfcsHttpsExample() { // RFC 8460 §3.1
        assertThat(found("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt").rua()).containsExactly(
                new Rua.Https("https://reporting.example.com/v1/tlsrpt", URI.create("https://reporting.example.com/v1/tlsrpt")));
    }

    @Test
    void severalUrisAreCommaSeparatedWithSpacesAllowedAroundTheComma() {
        assertThat(found("v=TLSRPTv1; rua=mailto:a@example.com , https://r.example.com/t,mailto:b@example.net").rua())
                .extracting(Rua::uri).containsExactly("mailto:a@example.com", "https://r.example.com/t", "mailto:b@example.net");
    }

    @Test
    void spacesAroundTheSemicolonsAndAFinalOneAreAllowed() { // field-delim = *WSP ";" *WSP
        assertThat(found("v=TLSRPTv1 ;\trua=mailto:a@example.com ; ").rua()).hasSize(1);
    }

    @Test
    void unknownFieldsAreIgnoredWhenWellFormed() { // "unknown fields SHALL be ignored"
        assertThat(found("v=TLSRPTv1; ext-1.x=some_value; rua=mailto:a@example.com").rua()).hasSize(1);
        none("v=TLSRPTv1; rua=mailto:a@example.com; ext=a=b"); // tlsrpt-ext-value excludes "="
        none("v=TLSRPTv1; rua=mailto:a@example.com; =x");
    }

    @Test
    void onlyMailtoAndHttpsAreKeptTheOthersAreSkippedWithTheirReason() {
        TlsRptRecord r = found("v=TLSRPTv1; rua=http://r.example.com/t,ftp://r.example.com/,mailto:a@example.com");
        assertThat(r.rua()).extracting(Rua::uri).containsExactly("mailto:a@example.com");
        assertThat(r.skipped()).hasSize(2).allSatisfy(s -> assertThat(s).contains("only mailto: and https:"));
    }

    @Test
    void aUriThatCannotBeUsedIsSkippedAndTheOthersStillCount() {
        TlsRptRecord r = found("v=TLSRPTv1; rua=mailto:a@example.com!10m,mailto:not-an-address,https:///no-host,"
                + "https://user@r.example.com/,mailto:b%40c@example.com,mailto:ok@example.com?subject=x");
        assertThat(r.rua()).containsExactly(new Rua.Mailto("mailto:ok@example.com?subject=x", new Mailbox("ok", "example.com")));
        assertThat(r.skipped()).hasSize(5);
        assertThat(r.skipped().getFirst()).contains("\"!\" must be percent-encoded");
    }

    @Test
    void percentEncodedCharactersOfTheAddressAreDecoded() {
        assertThat(found("v=TLSRPTv1; rua=mailto:tls%2Breports@example.com").rua())
                .containsExactly(new Rua.Mailto("mailto:tls%2Breports@example.com", new Mailbox("tls+reports", "example.com")));
    }

    @Test
    void aRecordWithoutRuaIsNone() { // "the tlsrpt-rua field is required"
        none("v=TLSRPTv1;");
        none("v=TLSRPTv1; ext=x");
        none("v=TLSRPTv1; RUA=mailto:a@example.com"); // %s"rua=": case-sensitive
    }

    @Test
    void malformedRecordsAreNone() {
        none("v=TLSRPTv1 rua=mailto:a@example.com"); // no ";"
        none("v=TLSRPTv1;;rua=mailto:a@example.com"); // an empty field
        none("v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com"); // which one?
        none("v=TLSRPTv1; rua=mailto:a@example.com,,mailto:b@example.com");
        none("v=TLSRPTv1; rua = mailto:a@example.com"); // no spaces around "=" in the ABNF
        none("v=tlsrptv1; rua=mailto:a@example.com"); // %s"v=TLSRPTv1": case-sensitive
        none("v=TLSRPTv10; rua=mailto:a@example.com");
    }

    @Test
    void recordsNotBeginningWithTheVersionAreDiscardedBeforeCounting() { // RFC 8460 §3
        var dns = new FakeDnsResolver().withTxt("_smtp._tls.example.com", "v=spf1 -all", "v=TLSRPTv1; rua=mailto:a@example.com",
                "rua=mailto:b@example.com; v=TLSRPTv1");
        assertThat(TlsRptRecord.lookup(dns, "example.com")).isInstanceOfSatisfying(Lookup.Found.class,
                f -> assertThat(f.record().rua()).extracting(Rua::uri).containsExactly("mailto:a@example.com"));
    }

    @Test
    void twoRecordsMeanTheDomainDoesNotImplementTlsrpt() { // "If the number of resulting records is not one"
        var dns = new FakeDnsResolver().withTxt("_smtp._tls.example.com", "v=TLSRPTv1; rua=mailto:a@example.com",
                "v=TLSRPTv1; rua=mailto:b@example.com");
        assertThat(TlsRptRecord.lookup(dns, "example.com")).isInstanceOfSatisfying(Lookup.None.class,
                n -> assertThat(n.why()).contains("2 v=TLSRPTv1 records"));
    }

    @Test
    void noRecordIsNoneAndADnsFailureIsTemporary() {
        var dns = new FakeDnsResolver().withTxt("_smtp._tls.other.test", "v=spf1 -all")
                .withTxt("_smtp._tls.failing.test", new TxtAnswer.TempFail("SERVFAIL"));
        assertThat(TlsRptRecord.lookup(dns, "example.com")).isInstanceOf(Lookup.None.class); // NXDOMAIN
        assertThat(TlsRptRecord.lookup(dns, "other.test")).isInstanceOf(Lookup.None.class);
        assertThat(TlsRptRecord.lookup(dns, "failing.test")).isEqualTo(new Lookup.TempFail("SERVFAIL"));
        assertThat(dns.asked()).contains("TXT _smtp._tls.example.com");
    }

    @Test
    void theRecordIsAtUnderscoreSmtpUnderscoreTls() {
        assertThat(TlsRptRecord.name("example.com")).isEqualTo("_smtp._tls.example.com");
    }
}

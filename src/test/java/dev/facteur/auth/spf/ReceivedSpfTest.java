package dev.facteur.auth.spf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.spf.SpfCheck.Identity;
import dev.facteur.auth.spf.SpfResult.Fail;
import dev.facteur.auth.spf.SpfResult.Pass;
import dev.facteur.auth.spf.SpfResult.PermError;
import java.net.InetAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** RFC 7208 §9.1 Received-SPF, and the RFC 8601 method result. */
class ReceivedSpfTest {

    private static final InetAddress CLIENT = InetAddress.ofLiteral("192.0.2.1");

    private static SpfCheck mailFrom(String sender, String helo, SpfResult result) {
        return new SpfCheck(Identity.MAILFROM, CLIENT, helo, sender, sender.substring(sender.lastIndexOf('@') + 1), result);
    }

    private static String unfolded(String field) {
        return field.replace("\r\n", "");
    }

    @Test
    void thePassExampleOfSection91() {
        String field = ReceivedSpf.field(mailFrom("myname@example.com", "foo.example.com", new Pass("ip4:192.0.2.0/24")), "mybox.example.org");
        assertThat(unfolded(field)).isEqualTo("Received-SPF: pass (mybox.example.org: domain of myname@example.com designates"
                + " 192.0.2.1 as permitted sender) receiver=mybox.example.org; client-ip=192.0.2.1;"
                + " envelope-from=\"myname@example.com\"; helo=foo.example.com; identity=mailfrom; mechanism=\"ip4:192.0.2.0/24\"");
    }

    @Test
    void aFailSaysTheMechanismButNotTheExplanation() { // the explanation is for the SMTP reply, not the header
        String field = ReceivedSpf.field(mailFrom("myname@example.com", "foo.example.com", new Fail("-all", "go away")), "mybox.example.org");
        assertThat(unfolded(field)).startsWith("Received-SPF: fail (mybox.example.org: domain of myname@example.com does not designate 192.0.2.1 as permitted sender)")
                .contains("mechanism=-all").doesNotContain("go away");
    }

    @Test
    void errorsSayTheProblem() { // §9.1 key "problem"
        String field = ReceivedSpf.field(mailFrom("a@example.com", "h.example.com", new PermError("more than 10 DNS-querying terms")), "mx.example.org");
        assertThat(unfolded(field)).startsWith("Received-SPF: permerror (").endsWith("problem=\"more than 10 DNS-querying terms\"");
    }

    @Test
    void linesAreFoldedAt78ColumnsWithoutChangingTheValue() { // RFC 5322 §2.2.3
        String field = ReceivedSpf.field(mailFrom("a.rather.long.local.part@subdomain.example.com", "a.long.helo.name.example.com",
                new PermError("the record of example.com: 'foo' is not a mechanism at all, not even close")), "receiver.example.org");
        assertThat(field.split("\r\n")).hasSizeGreaterThan(2).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(78));
        assertThat(Arrays.stream(field.split("\r\n")).skip(1)).allSatisfy(line -> assertThat(line).startsWith(" "));
        assertThat(unfolded(field)).contains("problem=\"the record of example.com: 'foo' is not a mechanism at all, not even close\"");
        assertThat(field).doesNotEndWith("\r\n");
    }

    @Test
    void nothingFromTheClientCanBreakOutOfTheField() { // CR/LF, quotes and parentheses from HELO and MAIL FROM
        String helo = "evil\r\nX-Injected: yes\"; receiver=forged";
        String sender = "a)(b\"\\\r\nBcc: victim@example.com@example.com";
        String field = ReceivedSpf.field(mailFrom(sender, helo, new PermError("bad \r\n record\u0000 é")), "mx.example.org");
        String[] lines = field.split("\r\n", -1);
        for (int i = 1; i < lines.length; i++) assertThat(lines[i]).as("a continuation line").startsWith(" ");
        assertThat(field).doesNotContain("\r\nX-Injected").doesNotContain("\r\nBcc").doesNotContain("\u0000").doesNotContain("é");
        assertThat(field.replace("\r\n ", " ")).doesNotContain("\r").doesNotContain("\n");
        assertThat(unfolded(field)).contains("helo=\"evil??X-Injected: yes\\\"; receiver=forged\"");
        assertThat(unfolded(field)).as("the comment escapes what would close it")
                .contains("(mx.example.org: permanent error in processing domain of a\\)\\(b\"\\\\??Bcc: victim@example.com@example.com) ");
        assertThat(unfolded(field).chars().filter(c -> c == ';').count())
                .as("one ';' between each of the six pairs, one inside the quoted helo").isEqualTo(6);
    }

    @Test
    void veryLongValuesAreCut() { // no line may pass 998 octets (RFC 5322 §2.1.1)
        String field = ReceivedSpf.field(mailFrom("x".repeat(5000) + "@example.com", "h".repeat(5000), new Pass("all")), "mx.example.org");
        assertThat(field.split("\r\n")).allSatisfy(line -> assertThat(line.length()).isLessThan(300));
    }

    @Test
    void anIpv6ClientIsWrittenAsRfc5952Says() {
        var check = new SpfCheck(Identity.HELO, InetAddress.ofLiteral("2001:db8:0:0:0:0:0:1"), "h.example.com", "postmaster@h.example.com",
                "h.example.com", new Pass("a"));
        assertThat(unfolded(ReceivedSpf.field(check, "mx.example.org"))).contains("client-ip=\"2001:db8::1\"").contains("identity=helo");
    }

    @Test
    void theAuthenticationResultsMethod() { // RFC 8601 §2.7.2
        assertThat(ReceivedSpf.authenticationResult(mailFrom("user@example.org", "h.example.net", new Pass("all"))))
                .isEqualTo("spf=pass smtp.mailfrom=example.org");
        var helo = new SpfCheck(Identity.HELO, CLIENT, "mail.example.net", "postmaster@mail.example.net", "mail.example.net", new Fail("-all", ""));
        assertThat(ReceivedSpf.authenticationResult(helo)).isEqualTo("spf=fail smtp.helo=mail.example.net");
        var odd = new SpfCheck(Identity.HELO, CLIENT, "bad name;\r\nX: y", "", "", new PermError("x"));
        assertThat(ReceivedSpf.authenticationResult(odd)).isEqualTo("spf=permerror smtp.helo=\"bad name;??X: y\"");
    }
}

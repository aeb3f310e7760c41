package dev.facteur.policy.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.PtrAnswer;
import dev.facteur.policy.ClientName;
import dev.facteur.policy.ClientName.Status;
import dev.facteur.testing.FakeDnsResolver;
import java.net.InetAddress;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Forward-confirmed reverse DNS (RFC 8601 §3, iprev): a PTR name counts when it resolves back to the client. */
class ReverseDnsTest {

    private final FakeDnsResolver dns = new FakeDnsResolver();

    private ClientName of(String client) {
        return new ReverseDns(dns).apply(InetAddress.ofLiteral(client));
    }

    @Test
    void aNameThatResolvesBackIsConfirmed() {
        dns.withPtr("192.0.2.1", "mail.example.org").withAddresses("mail.example.org", "2001:db8::25", "192.0.2.1");
        assertThat(of("192.0.2.1")).isEqualTo(new ClientName(Status.CONFIRMED, "mail.example.org"));
    }

    @Test
    void aNameThatResolvesElsewhereIsUnconfirmed() { // anyone can write any name in their own reverse zone
        dns.withPtr("192.0.2.1", "mail.bank.example").withAddresses("mail.bank.example", "198.51.100.7");
        assertThat(of("192.0.2.1")).isEqualTo(new ClientName(Status.UNCONFIRMED, "mail.bank.example"));
        dns.withPtr("192.0.2.2", "gone.example.org");
        assertThat(of("192.0.2.2")).as("a name that does not exist").isEqualTo(new ClientName(Status.UNCONFIRMED, "gone.example.org"));
    }

    @Test
    void noPtrRecordIsNone() {
        assertThat(of("192.0.2.1")).as("NXDOMAIN").isEqualTo(new ClientName(Status.NONE, null));
        dns.withPtr("192.0.2.2", new PtrAnswer.NoRecords());
        assertThat(of("192.0.2.2")).as("no data").isEqualTo(new ClientName(Status.NONE, null));
    }

    @Test
    void aFailedPtrLookupIsATemporaryFailure() {
        dns.withPtr("192.0.2.1", new PtrAnswer.TempFail("SERVFAIL"));
        assertThat(of("192.0.2.1")).isEqualTo(new ClientName(Status.TEMPFAIL, null));
    }

    @Test
    void aFailedForwardLookupIsATemporaryFailureUnlessAnotherNameConfirms() { // Postfix: always 450 when a lookup failed
        dns.withPtr("192.0.2.1", "a.example.org", "b.example.org").withAddresses("a.example.org", new AddressAnswer.TempFail("timed out"));
        assertThat(of("192.0.2.1")).isEqualTo(new ClientName(Status.TEMPFAIL, "a.example.org"));
        dns.withAddresses("b.example.org", "192.0.2.1");
        assertThat(of("192.0.2.1")).isEqualTo(new ClientName(Status.CONFIRMED, "b.example.org"));
    }

    @Test
    void theFirstNameThatConfirmsIsTheClients() {
        dns.withPtr("192.0.2.1", "a.example.org", "b.example.org", "c.example.org").withAddresses("b.example.org", "192.0.2.1")
                .withAddresses("c.example.org", "192.0.2.1");
        assertThat(of("192.0.2.1")).isEqualTo(new ClientName(Status.CONFIRMED, "b.example.org"));
    }

    @Test
    void atMostTenNamesAreTried() { // as SPF limits PTR names (RFC 7208 §4.6.4): a reverse zone can hold thousands
        String[] names = IntStream.rangeClosed(1, 11).mapToObj(i -> "n" + i + ".example.org").toArray(String[]::new);
        dns.withPtr("192.0.2.1", names).withAddresses("n11.example.org", "192.0.2.1");
        assertThat(of("192.0.2.1")).isEqualTo(new ClientName(Status.UNCONFIRMED, "n1.example.org"));
        assertThat(dns.asked()).doesNotContain("ADDR n11.example.org").contains("ADDR n10.example.org");
        dns.withAddresses("n10.example.org", "192.0.2.1");
        assertThat(of("192.0.2.1")).isEqualTo(new ClientName(Status.CONFIRMED, "n10.example.org"));
    }

    @Test
    void aPtrNameThatIsNoHostNameIsNotTried() { // a PTR "192.0.2.1." must not pass for the name of a host
        dns.withPtr("192.0.2.1", "192.0.2.1", "bad_label-.example.org").withAddresses("192.0.2.1", "192.0.2.1")
                .withAddresses("bad_label-.example.org", "192.0.2.1");
        assertThat(of("192.0.2.1")).isEqualTo(new ClientName(Status.UNCONFIRMED, "192.0.2.1"));
        assertThat(dns.asked()).containsExactly("PTR 192.0.2.1");
    }

    @Test
    void ipv6ClientsAreConfirmedByTheirAaaaRecords() {
        dns.withPtr("2001:db8::25", "mail.example.org").withAddresses("mail.example.org", "2001:db8::25");
        assertThat(of("2001:db8::25")).isEqualTo(new ClientName(Status.CONFIRMED, "mail.example.org"));
    }
}

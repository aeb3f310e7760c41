package dev.facteur.dane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.Mx;
import dev.facteur.dns.MxAnswer;
import dev.facteur.dns.Tlsa;
import dev.facteur.dns.Validated;
import dev.facteur.testing.FakeSecureDns;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What DANE says of a destination's MX hosts, and for how long it is kept. */
class DaneLookupTest {

    private static final Tlsa DANE_EE = Tlsa.parse("3 1 1 " + "ab".repeat(32));
    private static final Validated<AddressAnswer> FOUND = new Validated.Secure<>(new AddressAnswer.Found(List.of(InetAddress.ofLiteral("127.0.0.2"))));

    private final AtomicLong nanos = new AtomicLong();

    private FakeSecureDns world() {
        return new FakeSecureDns()
                .withMx("example.test", new Validated.Secure<>(new MxAnswer.Records(List.of(new Mx(10, "mx1.example.test"), new Mx(20, "mx2.example.test")))))
                .withAddresses("mx1.example.test", FOUND).withAddresses("mx2.example.test", FOUND)
                .withTlsa("mx1.example.test", 25, new Validated.Secure<>(List.of(DANE_EE)))
                .withTlsa("mx2.example.test", 25, new Validated.Secure<>(List.of()));
    }

    @Test
    void eachSecureMxHostHasItsOutcomeInMxOrderAndAnAuthenticatingContextWhenItsRecordsAreUsable() {
        var found = new DaneLookup(world(), nanos::get).lookup("Example.Test", 25);

        assertThat(found).isInstanceOfSatisfying(DaneLookup.Destination.Signed.class, s -> {
            assertThat(s.hosts().keySet()).containsExactly("mx1.example.test", "mx2.example.test");
            assertThat(s.of("MX1.example.test")).isEqualTo(new DaneOutcome.Required(List.of(DANE_EE)));
            assertThat(s.of("mx2.example.test")).isInstanceOf(DaneOutcome.NotApplicable.class);
            assertThat(s.of("elsewhere.test")).isInstanceOf(DaneOutcome.NotApplicable.class);
            assertThat(s.contexts().keySet()).containsExactly("mx1.example.test");
            assertThat(s.everyHostRequiresTls()).isFalse();
        });
    }

    @Test
    void aDomainWithoutMxRecordsIsItsOwnMxHost() {
        var dns = new FakeSecureDns().withMx("example.test", new Validated.Secure<>(new MxAnswer.NoRecords()))
                .withAddresses("example.test", FOUND).withTlsa("example.test", 25, new Validated.Secure<>(List.of(DANE_EE)));

        assertThat(new DaneLookup(dns, nanos::get).lookup("example.test", 25)).isInstanceOfSatisfying(DaneLookup.Destination.Signed.class,
                s -> assertThat(s.of("example.test")).isInstanceOf(DaneOutcome.Required.class));
    }

    @Test
    void unsignedBogusAndFailedMxLookupsAreToldApart() {
        var dns = world().withMx("unsigned.test", new Validated.Insecure<>(new MxAnswer.Records(List.of(new Mx(10, "mx.unsigned.test")))))
                .withMx("bogus.test", new Validated.Bogus<>("RRSIG expired")).withMx("down.test", new Validated.TempFail<>("SERVFAIL"))
                .withMx("nomail.test", new Validated.Secure<>(new MxAnswer.NullMx()));
        var lookup = new DaneLookup(dns, nanos::get);

        assertThat(lookup.lookup("unsigned.test", 25)).isInstanceOf(DaneLookup.Destination.Unsigned.class);
        assertThat(lookup.lookup("bogus.test", 25)).isInstanceOfSatisfying(DaneLookup.Destination.Undecided.class,
                u -> assertThat(u.reason()).contains("bogus", "RRSIG expired"));
        assertThat(lookup.lookup("down.test", 25)).isInstanceOf(DaneLookup.Destination.Undecided.class);
        assertThat(lookup.lookup("nomail.test", 25)).isInstanceOf(DaneLookup.Destination.Unsigned.class);
        assertThat(dns.asked()).as("no TLSA asked for hosts not found securely").noneMatch(q -> q.startsWith("TLSA"));
    }

    @Test
    void anAnswerIsKeptAMinuteSoTheSameContextsServeEveryMessageButTroubleIsAskedAgain() {
        var dns = world().withMx("down.test", new Validated.TempFail<>("timeout"));
        var lookup = new DaneLookup(dns, nanos::get);

        var first = lookup.lookup("example.test", 25);
        nanos.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(lookup.lookup("example.test", 25)).isSameAs(first);
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(lookup.lookup("example.test", 25)).isNotSameAs(first);
        assertThat(lookup.lookup("example.test", 587)).as("another port, other records").isNotSameAs(first);

        lookup.lookup("down.test", 25);
        lookup.lookup("down.test", 25);
        assertThat(dns.asked().stream().filter(q -> q.equals("MX down.test"))).hasSize(2);
    }
}

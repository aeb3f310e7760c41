package dev.facteur.policy.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.MxAnswer;
import dev.facteur.dns.PtrAnswer;
import dev.facteur.store.DnsCache;
import dev.facteur.store.StoreUnavailable;
import dev.facteur.store.Stores;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.ManualClock;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checks' DNS answers, kept in the shared store for their time to live, between the minimum and the maximum. */
class CachedDnsTest {

    @TempDir
    Path dir;

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T10:00:00Z"));
    private final FakeDnsResolver fake = new FakeDnsResolver()
            .withAddresses("2.0.0.127.bl.test", "127.0.0.2")
            .withAddresses("mta.example.test", "192.0.2.7")
            .withPtr("192.0.2.7", "mta.example.test");
    /** The fake's answers, with a TTL per name (none: unknown, as for a negative answer). */
    private final Map<String, Duration> ttls = new HashMap<>();
    private final DnsResolver timed = new DnsResolver() {
        public MxAnswer mx(String domain) {
            return fake.mx(domain);
        }

        public AddressAnswer addresses(String host) {
            return fake.addresses(host);
        }

        public AddressAnswer ipv4(String name) {
            return fake.ipv4(name);
        }

        public PtrAnswer ptr(InetAddress address) {
            return fake.ptr(address);
        }

        @Override
        public Timed<AddressAnswer> timedIpv4(String name) {
            return new Timed<>(fake.ipv4(name), ttls.getOrDefault(name, Duration.ZERO));
        }
    };
    private Stores stores;

    @BeforeEach
    void open() {
        stores = Stores.embedded(dir);
    }

    @AfterEach
    void close() {
        stores.close();
    }

    private CachedDns node(DnsCache cache) {
        return new CachedDns(timed, cache, clock, Duration.ofSeconds(60), Duration.ofHours(1));
    }

    private long asked(String what) {
        return fake.asked().stream().filter(what::equals).count();
    }

    @Test
    void anAnswerIsAskedOnceForItsTimeToLiveByEveryNodeThatSharesTheStore() {
        ttls.put("2.0.0.127.bl.test", Duration.ofMinutes(5));
        CachedDns one = node(stores.dns()), two = node(stores.dns());
        assertThat(one.ipv4("2.0.0.127.bl.test")).isEqualTo(new AddressAnswer.Found(List.of(InetAddress.ofLiteral("127.0.0.2"))));
        assertThat(two.ipv4("2.0.0.127.bl.test")).isEqualTo(one.ipv4("2.0.0.127.bl.test"));
        clock.advance(Duration.ofMinutes(5));
        two.ipv4("2.0.0.127.bl.test");
        assertThat(asked("A 2.0.0.127.bl.test")).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        one.ipv4("2.0.0.127.bl.test");
        assertThat(asked("A 2.0.0.127.bl.test")).as("asked again once it expired").isEqualTo(2);
    }

    @Test
    void aNegativeAnswerIsKeptForTheMinimumAndATtlBeyondTheMaximumIsCut() {
        ttls.put("2.0.0.127.bl.test", Duration.ofDays(2));
        CachedDns dns = node(stores.dns());
        assertThat(dns.ipv4("9.0.0.127.bl.test")).isEqualTo(new AddressAnswer.NxDomain());
        dns.ipv4("2.0.0.127.bl.test");
        clock.advance(Duration.ofSeconds(60));
        dns.ipv4("9.0.0.127.bl.test");
        assertThat(asked("A 9.0.0.127.bl.test")).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        dns.ipv4("9.0.0.127.bl.test");
        assertThat(asked("A 9.0.0.127.bl.test")).isEqualTo(2);
        clock.advance(Duration.ofHours(1));
        dns.ipv4("2.0.0.127.bl.test");
        assertThat(asked("A 2.0.0.127.bl.test")).as("two days cut to an hour").isEqualTo(2);
    }

    @Test
    void reverseDnsAndItsForwardConfirmationAreKeptToo() {
        CachedDns dns = node(stores.dns());
        for (int i = 0; i < 3; i++) {
            assertThat(dns.ptr(InetAddress.ofLiteral("192.0.2.7"))).isEqualTo(new PtrAnswer.Names(List.of("mta.example.test")));
            assertThat(dns.addresses("mta.example.test")).isEqualTo(new AddressAnswer.Found(List.of(InetAddress.ofLiteral("192.0.2.7"))));
            assertThat(dns.ptr(InetAddress.ofLiteral("192.0.2.8"))).isEqualTo(new PtrAnswer.NxDomain());
        }
        assertThat(fake.asked()).containsExactly("PTR 192.0.2.7", "ADDR mta.example.test", "PTR 192.0.2.8");
    }

    @Test
    void aTemporaryFailureIsNeverKept() {
        fake.silent("3.0.0.127.bl.test");
        CachedDns dns = node(stores.dns());
        assertThat(dns.ipv4("3.0.0.127.bl.test")).isInstanceOf(AddressAnswer.TempFail.class);
        dns.ipv4("3.0.0.127.bl.test");
        assertThat(asked("A 3.0.0.127.bl.test")).isEqualTo(2);
    }

    @Test
    void aStoreThatFailsLeavesTheAnswersToDns() {
        DnsCache down = new DnsCache() {
            public String get(String key, Instant now) {
                throw new StoreUnavailable("Redis went away", null);
            }

            public void put(String key, String answer, Instant now, Duration ttl) {
                throw new StoreUnavailable("Redis went away", null);
            }

            public void close() {}
        };
        CachedDns dns = node(down);
        assertThat(dns.ipv4("2.0.0.127.bl.test")).isInstanceOf(AddressAnswer.Found.class);
        assertThat(dns.ptr(InetAddress.ofLiteral("192.0.2.7"))).isInstanceOf(PtrAnswer.Names.class);
    }

    @Test
    void aKeptAnswerThatDoesNotReadIsAskedAgain() {
        stores.dns().put("a:2.0.0.127.bl.test", "A not-an-address", clock.instant(), Duration.ofMinutes(5));
        assertThat(node(stores.dns()).ipv4("2.0.0.127.bl.test")).isInstanceOf(AddressAnswer.Found.class);
        assertThat(asked("A 2.0.0.127.bl.test")).isEqualTo(1);
    }
}

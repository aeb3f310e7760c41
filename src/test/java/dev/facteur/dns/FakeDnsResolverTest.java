package dev.facteur.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class FakeDnsResolverTest {

    private final FakeDnsResolver dns = new FakeDnsResolver()
            .withMx("example.test", new Mx(10, "mx.example.test"))
            .withAddresses("mx.example.test", "127.0.0.21", "::1")
            .withMx("nullmx.example.test", new MxAnswer.NullMx());

    @Test
    void answersWhatItWasTold() {
        assertThat(dns.mx("Example.Test.")).isEqualTo(new MxAnswer.Records(List.of(new Mx(10, "mx.example.test"))));
        assertThat(dns.addresses("mx.example.test")).isEqualTo(
                new AddressAnswer.Found(List.of(InetAddress.ofLiteral("::1"), InetAddress.ofLiteral("127.0.0.21"))));
        assertThat(dns.mx("nullmx.example.test")).isEqualTo(new MxAnswer.NullMx());
    }

    @Test
    void knownNamesHaveNoOtherRecordsAndUnknownNamesDoNotExist() {
        assertThat(dns.mx("mx.example.test")).isEqualTo(new MxAnswer.NoRecords());
        assertThat(dns.addresses("example.test")).isEqualTo(new AddressAnswer.NoRecords());
        assertThat(dns.mx("other.example.test")).isEqualTo(new MxAnswer.NxDomain());
        assertThat(dns.addresses("other.example.test")).isEqualTo(new AddressAnswer.NxDomain());
    }
}

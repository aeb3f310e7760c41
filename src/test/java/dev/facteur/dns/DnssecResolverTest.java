package dev.facteur.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.Type;

/**
 * How DnssecResolver judges what it is told, against a fake upstream: what a server's failure
 * is, what the AD bit means in "trust-ad" mode, CNAME chains, and the two address families.
 * Real signatures, and validation from a real trust anchor, are DnssecResolverIT's (Knot DNS).
 */
class DnssecResolverTest {

    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final TrustAnchors DANE_TEST = anchors("dane.test. IN DS 2292 13 2 " + "9d".repeat(32));

    // --- validating

    @Test
    void aServersFailureIsATemporaryFailureNotABogusAnswer() { // RFC 4035 §4.3: indeterminate
        var dns = DnssecResolver.validating(upstream(q -> response(q, Rcode.SERVFAIL, false)), DANE_TEST, LIMIT);
        assertThat(dns.mx("dane.test")).isInstanceOfSatisfying(Validated.TempFail.class,
                f -> assertThat(f.reason()).contains("MX dane.test.", "SERVFAIL"));
        var refusing = DnssecResolver.validating(upstream(q -> response(q, Rcode.REFUSED, false)), DANE_TEST, LIMIT);
        assertThat(refusing.tlsa("mx.dane.test", 25)).isInstanceOf(Validated.TempFail.class);
    }

    @Test
    void noAnswerIsATemporaryFailure() {
        Resolver silent = new Fake(q -> CompletableFuture.failedFuture(new SocketTimeoutException("no answer from 127.0.0.53:53")));
        assertThat(DnssecResolver.validating(silent, DANE_TEST, LIMIT).addresses("mx.dane.test"))
                .isInstanceOfSatisfying(Validated.TempFail.class, f -> assertThat(f.reason()).contains("no answer from 127.0.0.53:53"));
    }

    @Test
    void anAnswerUnderNoTrustAnchorIsInsecure() {
        var dns = DnssecResolver.validating(upstream(q -> answer(q, false, mx("plain.test.", "mx.plain.test."))), DANE_TEST, LIMIT);
        assertThat(dns.mx("plain.test")).isEqualTo(new Validated.Insecure<>(new MxAnswer.Records(List.of(new Mx(10, "mx.plain.test")))));
    }

    @Test
    void anUnsignedAnswerUnderATrustAnchorIsBogus() { // its zone's keys cannot be found: no DNSKEY answers
        var dns = DnssecResolver.validating(upstream(q -> q.getQuestion().getType() == Type.MX
                ? answer(q, false, mx("dane.test.", "mx.dane.test.")) : response(q, Rcode.NOERROR, false)), DANE_TEST, LIMIT);
        assertThat(dns.mx("dane.test")).isInstanceOfSatisfying(Validated.Bogus.class,
                b -> assertThat(b.reason()).startsWith("MX dane.test.: "));
    }

    @Test
    void theValidatorAsksWithCheckingDisabledSoThatTheJudgementIsItsOwn() { // RFC 4035 §3.2.2
        List<Message> asked = new CopyOnWriteArrayList<>();
        DnssecResolver.validating(upstream(q -> {
            asked.add(q);
            return response(q, Rcode.SERVFAIL, false);
        }), DANE_TEST, LIMIT).mx("dane.test");
        assertThat(asked).isNotEmpty().allSatisfy(q -> assertThat(q.getHeader().getFlag(Flags.CD)).isTrue());
    }

    // --- trust-ad

    @Test
    void withTrustAdTheAdBitSaysSecure() { // RFC 6840 §5.7
        List<Message> asked = new CopyOnWriteArrayList<>();
        var dns = DnssecResolver.trustingAd(upstream(q -> {
            asked.add(q);
            return answer(q, true, mx("dane.test.", "mx.dane.test."));
        }), LIMIT);
        assertThat(dns.mx("dane.test")).isEqualTo(new Validated.Secure<>(new MxAnswer.Records(List.of(new Mx(10, "mx.dane.test")))));
        assertThat(asked).singleElement().satisfies(q -> assertThat(q.getHeader().getFlag(Flags.AD)).as("AD asked for").isTrue());
        var unsigned = DnssecResolver.trustingAd(upstream(q -> answer(q, false, mx("dane.test.", "mx.dane.test."))), LIMIT);
        assertThat(unsigned.mx("dane.test")).isInstanceOf(Validated.Insecure.class);
    }

    @Test
    void withTrustAdASERVFAILIsBogusOnlyWhenTheResolverSaysItIsDnssecs() { // RFC 8914 §4.7
        var bogus = DnssecResolver.trustingAd(upstream(q -> withExtendedError(response(q, Rcode.SERVFAIL, false),
                ExtendedErrorCodeOption.DNSSEC_BOGUS, "signature expired")), LIMIT);
        assertThat(bogus.tlsa("mx.dane.test", 25)).isInstanceOfSatisfying(Validated.Bogus.class,
                b -> assertThat(b.reason()).contains("the resolver says", "signature expired"));
        var unreachable = DnssecResolver.trustingAd(upstream(q -> withExtendedError(response(q, Rcode.SERVFAIL, false),
                ExtendedErrorCodeOption.NO_REACHABLE_AUTHORITY, "")), LIMIT);
        assertThat(unreachable.tlsa("mx.dane.test", 25)).isInstanceOf(Validated.TempFail.class);
        var plain = DnssecResolver.trustingAd(upstream(q -> response(q, Rcode.SERVFAIL, false)), LIMIT);
        assertThat(plain.tlsa("mx.dane.test", 25)).isInstanceOf(Validated.TempFail.class);
    }

    // --- answers

    @Test
    void tlsaRecordsAreAskedAtUnderscorePortUnderscoreTcp() { // RFC 6698 §3
        List<Name> asked = new ArrayList<>();
        var dns = DnssecResolver.trustingAd(upstream(q -> {
            asked.add(q.getQuestion().getName());
            return answer(q, true, new TLSARecord(q.getQuestion().getName(), DClass.IN, 300, 3, 1, 1, HexFormat.of().parseHex("ab".repeat(32))));
        }), LIMIT);
        assertThat(dns.tlsa("MX.dane.test", 25)).isEqualTo(new Validated.Secure<>(List.of(Tlsa.parse("3 1 1 " + "ab".repeat(32)))));
        assertThat(asked).containsExactly(name("_25._tcp.mx.dane.test."));
    }

    @Test
    void noTlsaRecordsAreAnEmptyList() {
        var nodata = DnssecResolver.trustingAd(upstream(q -> response(q, Rcode.NOERROR, true)), LIMIT);
        assertThat(nodata.tlsa("mx.dane.test", 25)).isEqualTo(new Validated.Secure<>(List.of()));
        var nxdomain = DnssecResolver.trustingAd(upstream(q -> response(q, Rcode.NXDOMAIN, true)), LIMIT);
        assertThat(nxdomain.tlsa("mx.dane.test", 25)).isEqualTo(new Validated.Secure<>(List.of()));
    }

    @Test
    void aCnameChainInOneAnswerIsFollowed() {
        var dns = DnssecResolver.trustingAd(upstream(q -> answer(q, true, cname("_25._tcp.mx.dane.test.", "tlsa.provider.test."),
                new TLSARecord(name("tlsa.provider.test."), DClass.IN, 300, 2, 0, 1, HexFormat.of().parseHex("cd".repeat(32))))), LIMIT);
        assertThat(dns.tlsa("mx.dane.test", 25)).isEqualTo(new Validated.Secure<>(List.of(Tlsa.parse("2 0 1 " + "cd".repeat(32)))));
    }

    @Test
    void aChainThatLeavesTheAnswerIsAskedForAgainAndOneInsecureStepMakesAllInsecure() {
        List<Name> asked = new ArrayList<>();
        var dns = DnssecResolver.trustingAd(upstream(q -> {
            Name n = q.getQuestion().getName();
            asked.add(n);
            return n.equals(name("mx.dane.test.")) ? answer(q, true, cname("mx.dane.test.", "mail.hoster.test."))
                    : answer(q, false, new ARecord(n, DClass.IN, 300, InetAddress.ofLiteral("127.0.0.25")));
        }), LIMIT);
        assertThat(dns.addresses("mx.dane.test")).isEqualTo(
                new Validated.Insecure<>(new AddressAnswer.Found(List.of(InetAddress.ofLiteral("127.0.0.25")))));
        assertThat(asked).contains(name("mail.hoster.test."));
    }

    @Test
    void aCnameLoopEnds() {
        var dns = DnssecResolver.trustingAd(upstream(q -> answer(q, true, cname("a.dane.test.", "b.dane.test."),
                cname("b.dane.test.", "a.dane.test."))), LIMIT);
        assertThat(dns.mx("a.dane.test")).isInstanceOfSatisfying(Validated.TempFail.class, f -> assertThat(f.reason()).contains("CNAMEs"));
    }

    @Test
    void oneFamilysAddressesAreEnoughAndKeepTheirStatus() {
        var a = new DnssecResolver.Answer.Found(List.of(new ARecord(name("mx.dane.test."), DClass.IN, 300, InetAddress.ofLiteral("127.0.0.25"))));
        Validated<AddressAnswer> v = DnssecResolver.addressAnswer(new Validated.TempFail<>("AAAA: timeout"), new Validated.Secure<>(a));
        assertThat(v).isEqualTo(new Validated.Secure<>(new AddressAnswer.Found(List.of(InetAddress.ofLiteral("127.0.0.25")))));
        assertThat(DnssecResolver.addressAnswer(new Validated.TempFail<>("AAAA: timeout"), new Validated.Secure<>(new DnssecResolver.Answer.NoData())))
                .isEqualTo(new Validated.TempFail<>("AAAA: timeout"));
    }

    @Test
    void theHostIsSecureOnlyWhenBothFamiliesAreAndBogusInEitherIsBogus() {
        var a = new DnssecResolver.Answer.Found(List.of(new ARecord(name("mx.dane.test."), DClass.IN, 300, InetAddress.ofLiteral("127.0.0.25"))));
        assertThat(DnssecResolver.addressAnswer(new Validated.Insecure<>(new DnssecResolver.Answer.NoData()), new Validated.Secure<>(a)))
                .isInstanceOf(Validated.Insecure.class);
        assertThat(DnssecResolver.addressAnswer(new Validated.Bogus<>("AAAA: bad signature"), new Validated.Secure<>(a)))
                .isEqualTo(new Validated.Bogus<>("AAAA: bad signature"));
        assertThat(DnssecResolver.addressAnswer(new Validated.Secure<>(new DnssecResolver.Answer.NxDomain()),
                new Validated.Secure<>(new DnssecResolver.Answer.NxDomain()))).isEqualTo(new Validated.Secure<>(new AddressAnswer.NxDomain()));
    }

    // --- a fake upstream

    private static Resolver upstream(Function<Message, Message> server) {
        return new Fake(q -> CompletableFuture.completedFuture(server.apply(q)));
    }

    /** Answers each query as told; the settings dnsjava's validator makes are ignored. */
    private record Fake(Function<Message, CompletionStage<Message>> server) implements Resolver {
        @Override
        public CompletionStage<Message> sendAsync(Message query, Executor executor) {
            return server.apply(query);
        }

        @Override
        public void setPort(int port) {}

        @Override
        public void setTCP(boolean flag) {}

        @Override
        public void setIgnoreTruncation(boolean flag) {}

        @Override
        public void setEDNS(int version, int payloadSize, int flags, List<EDNSOption> options) {}

        @Override
        public void setTSIGKey(TSIG key) {}

        @Override
        public void setTimeout(Duration timeout) {}
    }

    private static Message response(Message query, int rcode, boolean ad) {
        Message m = new Message(query.getHeader().getID());
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setFlag(Flags.RA);
        if (ad) m.getHeader().setFlag(Flags.AD);
        m.getHeader().setRcode(rcode);
        m.addRecord(query.getQuestion(), Section.QUESTION);
        return m;
    }

    private static Message answer(Message query, boolean ad, Record... records) {
        Message m = response(query, Rcode.NOERROR, ad);
        for (Record r : records) m.addRecord(r, Section.ANSWER);
        return m;
    }

    private static Message withExtendedError(Message m, int code, String text) {
        m.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(new ExtendedErrorCodeOption(code, text))), Section.ADDITIONAL);
        return m;
    }

    private static MXRecord mx(String owner, String host) {
        return new MXRecord(name(owner), DClass.IN, 300, 10, name(host));
    }

    private static CNAMERecord cname(String owner, String target) {
        return new CNAMERecord(name(owner), DClass.IN, 300, name(target));
    }

    private static Name name(String s) {
        try {
            return Name.fromString(s);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static TrustAnchors anchors(String zone) {
        try {
            return TrustAnchors.parse(zone, "test");
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}

package dev.facteur.dns;

import dev.facteur.net.HostPort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.NameTooLongException;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.dnssec.ValidatingResolver;

/**
 * {@link SecureDns} on dnsjava, in one of two ways ({@code [dns] dnssec}):
 * <ul>
 * <li>{@link #validating}: dnsjava's {@link ValidatingResolver} checks every answer itself, from
 * the given trust anchors down (RFC 4035 §5), asking the configured servers for the answers, DS
 * and DNSKEY records with the CD bit set, so that a validating recursive resolver hands over even
 * what it would refuse, and the judgement is ours.</li>
 * <li>{@link #trustingAd}: the configured recursive resolver validates, and its AD bit says the
 * answer is secure (RFC 6840 §5.7: the query sets AD to ask for it). Nothing protects that bit on
 * the wire, so this is safe only with a resolver on this host (loopback); the configuration
 * refuses others.</li>
 * </ul>
 * No cache: each question is asked when asked. The validator keeps the DNSKEYs it has proven
 * for their TTL, so a question costs one round trip once the keys of its zone are known.
 */
public final class DnssecResolver implements SecureDns {

    /** CNAMEs followed at most, as resolvers do, so that a loop ends. */
    private static final int MAX_CNAMES = 8;

    /**
     * How many queries one question may cost when validating: the answer, and a DS and a DNSKEY
     * for each zone cut from the anchor down. Only a bound on waiting: every query has its own timeout.
     */
    private static final int QUERIES_PER_QUESTION = 16;

    /** The validator's work goes on virtual threads: its queries block while they wait. */
    private static final Executor VIRTUAL = task -> Thread.ofVirtual().name("dnssec").start(task);

    private final Resolver resolver;
    private final boolean validating;
    private final Duration limit;

    private DnssecResolver(Resolver resolver, boolean validating, Duration limit) {
        this.resolver = resolver;
        this.validating = validating;
        this.limit = limit;
    }

    /**
     * Validates every answer from {@code anchors} down.
     *
     * @param servers recursive servers, as IP addresses; empty means the system's (resolv.conf)
     * @param timeout how long to wait for one answer from one server
     * @param retries how many more times each server is asked after its first try
     */
    public static DnssecResolver validating(List<HostPort> servers, Duration timeout, int retries, TrustAnchors anchors) {
        int count = Math.max(servers.size(), 1);
        return validating(DnsJavaResolver.resolver(servers, timeout, retries), anchors,
                timeout.multipliedBy((long) (retries + 1) * count * QUERIES_PER_QUESTION));
    }

    /** Any upstream dnsjava resolver: tests pass one that misbehaves. */
    static DnssecResolver validating(Resolver upstream, TrustAnchors anchors, Duration limit) {
        var validator = new ValidatingResolver(new AnswersOnly(upstream));
        try {
            validator.loadTrustAnchors(anchors.asZoneFile());
        } catch (IOException e) {
            throw new UncheckedIOException("trust anchors parsed once already: " + anchors.source(), e);
        }
        return new DnssecResolver(validator, true, limit);
    }

    /**
     * Believes the AD bit of the servers' answers: they must validate, and be on loopback (the
     * configuration checks that; an AD bit that crossed a network proves nothing).
     */
    public static DnssecResolver trustingAd(List<HostPort> servers, Duration timeout, int retries) {
        return trustingAd(DnsJavaResolver.resolver(servers, timeout, retries),
                timeout.multipliedBy((long) (retries + 1) * Math.max(servers.size(), 1)));
    }

    /** Any upstream dnsjava resolver: tests pass a fake. */
    static DnssecResolver trustingAd(Resolver upstream, Duration limit) {
        upstream.setEDNS(0, 0, 0, List.of()); // EDNS for the extended error (RFC 8914) that says why a SERVFAIL
        return new DnssecResolver(upstream, false, limit);
    }

    @Override
    public Validated<MxAnswer> mx(String domain) {
        Name name = DnsJavaResolver.absoluteName(domain);
        if (name == null) return new Validated.Insecure<>(new MxAnswer.NxDomain()); // such a name cannot exist, and nothing proves it
        return resolve(name, Type.MX).map(a -> switch (a) {
            case Answer.Found(var records) -> DnsJavaResolver.mxAnswer(records);
            case Answer.NoData() -> new MxAnswer.NoRecords();
            case Answer.NxDomain() -> new MxAnswer.NxDomain();
        });
    }

    @Override
    public Validated<AddressAnswer> addresses(String host) {
        Name name = DnsJavaResolver.absoluteName(host);
        if (name == null) return new Validated.Insecure<>(new AddressAnswer.NxDomain());
        // Both families at once, so that a silent server costs one timeout, not two.
        var aaaa = CompletableFuture.supplyAsync(() -> resolve(name, Type.AAAA), VIRTUAL);
        Validated<Answer> v4 = resolve(name, Type.A);
        Validated<Answer> v6 = aaaa.join();
        return addressAnswer(v6, v4);
    }

    @Override
    public Validated<List<Tlsa>> tlsa(String host, int port) {
        Name name;
        try {
            Name base = DnsJavaResolver.absoluteName(host);
            if (base == null) return new Validated.Insecure<>(List.of());
            name = Name.concatenate(Name.fromString("_" + port + "._tcp"), base);
        } catch (TextParseException | NameTooLongException e) {
            return new Validated.Insecure<>(List.of()); // no such name can hold records
        }
        return resolve(name, Type.TLSA).map(a -> a instanceof Answer.Found(var records)
                ? records.stream().flatMap(r -> r instanceof TLSARecord t ? Stream.of(tlsa(t)) : Stream.empty()).toList()
                : List.of());
    }

    private static Tlsa tlsa(TLSARecord r) {
        return new Tlsa(r.getCertificateUsage(), r.getSelector(), r.getMatchingType(), r.getCertificateAssociationData());
    }

    /**
     * One family's addresses are enough to try delivery, as in {@link DnsJavaResolver}: a failed
     * AAAA lookup beside secure A records leaves the A records, secure. But a bogus answer for
     * either family makes the host's zone suspect, and the host is not used (RFC 7672 §2.1.1).
     */
    static Validated<AddressAnswer> addressAnswer(Validated<Answer> v6, Validated<Answer> v4) {
        for (var v : List.of(v6, v4)) if (v instanceof Validated.Bogus<Answer>(var reason)) return new Validated.Bogus<>(reason);
        List<InetAddress> found = new ArrayList<>();
        boolean secure = true;
        boolean nxdomain = true;
        Optional<String> failure = Optional.empty();
        for (var v : List.of(v6, v4)) {
            switch (v) {
                case Validated.Secure<Answer>(var a) -> {
                    found.addAll(addresses(a));
                    nxdomain &= a instanceof Answer.NxDomain;
                }
                case Validated.Insecure<Answer>(var a) -> {
                    found.addAll(addresses(a));
                    nxdomain &= a instanceof Answer.NxDomain;
                    secure = false;
                }
                case Validated.TempFail<Answer>(var reason) -> failure = failure.or(() -> Optional.of(reason));
                case Validated.Bogus<Answer> b -> throw new AssertionError("returned above");
            }
        }
        if (failure.isPresent() && found.isEmpty()) return new Validated.TempFail<>(failure.get());
        AddressAnswer answer = !found.isEmpty() ? new AddressAnswer.Found(found)
                : nxdomain ? new AddressAnswer.NxDomain() : new AddressAnswer.NoRecords();
        return secure ? new Validated.Secure<>(answer) : new Validated.Insecure<>(answer);
    }

    private static List<InetAddress> addresses(Answer a) {
        return a instanceof Answer.Found(var records) ? records.stream().flatMap(DnsJavaResolver::address).toList() : List.of();
    }

    /** One question's answer, before it is said in MX, address or TLSA terms. */
    sealed interface Answer {
        /** The records of the type asked, at the name or at the end of its CNAME chain. */
        record Found(List<Record> records) implements Answer {}
        record NoData() implements Answer {}
        record NxDomain() implements Answer {}
    }

    /**
     * The records of {@code type} at {@code name}, following CNAMEs (RFC 1034 §3.6.2): within an
     * answer, where a recursive server puts the chain, and by asking again for its end when the
     * answer stops at a CNAME (an authoritative server does not follow one out of its zones). The
     * answer is secure only when every response on the way was.
     */
    private Validated<Answer> resolve(Name name, int type) {
        Name current = name;
        boolean secure = true;
        for (int hop = 0; hop <= MAX_CNAMES; hop++) {
            Response response = ask(current, type);
            if (response instanceof Response.Failed(var failure)) return failure;
            var r = (Response.Answered) response;
            secure &= r.secure();
            Name end = current;
            for (int step = 0; step <= MAX_CNAMES; step++) {
                List<Record> wanted = r.records(end, type);
                if (!wanted.isEmpty()) return status(secure, new Answer.Found(wanted));
                Optional<Name> next = r.records(end, Type.CNAME).stream().map(c -> ((CNAMERecord) c).getTarget()).findFirst();
                if (next.isEmpty()) break;
                end = next.get();
            }
            if (end.equals(current) || r.rcode() == Rcode.NXDOMAIN)
                return status(secure, r.rcode() == Rcode.NXDOMAIN ? new Answer.NxDomain() : new Answer.NoData());
            current = end;
        }
        return new Validated.TempFail<>(Type.string(type) + " " + name + ": more than " + MAX_CNAMES + " CNAMEs");
    }

    private static Validated<Answer> status(boolean secure, Answer answer) {
        return secure ? new Validated.Secure<>(answer) : new Validated.Insecure<>(answer);
    }

    /** One response, judged: an answer and whether it is secure, or why there is none. */
    private sealed interface Response {
        record Answered(int rcode, boolean secure, List<Record> answer) implements Response {
            List<Record> records(Name name, int type) {
                return answer.stream().filter(r -> r.getType() == type && r.getName().equals(name)).toList();
            }
        }

        record Failed(Validated<Answer> failure) implements Response {}
    }

    private Response ask(Name name, int type) {
        String question = Type.string(type) + " " + name;
        Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
        if (!validating) query.getHeader().setFlag(Flags.AD); // RFC 6840 §5.7: asks the resolver to say whether it validated
        Message m;
        try {
            m = resolver.sendAsync(query, VIRTUAL).toCompletableFuture().get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return failed(new Validated.TempFail<>(question + ": no answer within " + limit));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause() : e.getCause();
            return failed(new Validated.TempFail<>(question + ": " + cause.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(new Validated.TempFail<>(question + ": interrupted"));
        }
        int rcode = m.getRcode();
        if (rcode == Rcode.SERVFAIL) return failed(servfail(question, m));
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) return failed(new Validated.TempFail<>(question + ": " + Rcode.string(rcode)));
        return new Response.Answered(rcode, m.getHeader().getFlag(Flags.AD), m.getSection(Section.ANSWER));
    }

    private static Response failed(Validated<Answer> failure) {
        return new Response.Failed(failure);
    }

    /**
     * A SERVFAIL from the validator is its verdict: the servers' own SERVFAILs never reach it
     * ({@link AnswersOnly}). From a validating resolver it may be DNSSEC or anything else, and only
     * an extended error (RFC 8914 §4.7 to §4.13) tells them apart.
     */
    private Validated<Answer> servfail(String question, Message m) {
        Optional<String> reason = validationReason(m);
        if (validating) return new Validated.Bogus<>(question + ": " + reason.orElse("failed validation"));
        Optional<ExtendedErrorCodeOption> dnssecError = extendedErrors(m)
                .filter(e -> e.getErrorCode() >= ExtendedErrorCodeOption.DNSSEC_BOGUS && e.getErrorCode() <= ExtendedErrorCodeOption.NSEC_MISSING)
                .findFirst();
        if (dnssecError.isPresent()) return new Validated.Bogus<>(question + ": the resolver says " + describe(dnssecError.get()));
        return new Validated.TempFail<>(question + ": SERVFAIL" + extendedErrors(m).findFirst().map(e -> " (" + describe(e) + ")").orElse(""));
    }

    /** Why dnsjava's validator failed: its TXT record in the private class 65280, or the extended error it adds. */
    private static Optional<String> validationReason(Message m) {
        for (Record r : m.getSection(Section.ADDITIONAL))
            if (r instanceof TXTRecord t && r.getDClass() == ValidatingResolver.VALIDATION_REASON_QCLASS)
                return Optional.of(String.join("", t.getStrings()));
        return extendedErrors(m).findFirst().map(DnssecResolver::describe);
    }

    private static Stream<ExtendedErrorCodeOption> extendedErrors(Message m) {
        OPTRecord opt = m.getOPT();
        if (opt == null) return Stream.empty();
        return opt.getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR).stream()
                .flatMap(o -> o instanceof ExtendedErrorCodeOption e ? Stream.of(e) : Stream.empty());
    }

    private static String describe(ExtendedErrorCodeOption e) {
        String text = e.getText();
        return ExtendedErrorCodeOption.text(e.getErrorCode()) + (text == null || text.isEmpty() ? "" : ": " + text);
    }

    /**
     * What the validator asks through: answers (NOERROR, NXDOMAIN) pass; any other response code
     * becomes an I/O error. dnsjava's validator would otherwise judge a server's SERVFAIL or
     * REFUSED as an unsigned answer, bogus; it is a failure to get an answer (RFC 4035 §4.3,
     * indeterminate), which comes back as {@link Validated.TempFail}.
     */
    private record AnswersOnly(Resolver upstream) implements Resolver {
        @Override
        public CompletionStage<Message> sendAsync(Message query, Executor executor) {
            return upstream.sendAsync(query, executor).thenApply(m -> {
                int rcode = m.getRcode();
                if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) return m;
                throw new CompletionException(new IOException(Type.string(query.getQuestion().getType()) + " "
                        + query.getQuestion().getName() + ": " + Rcode.string(rcode) + " from " + upstream));
            });
        }

        @Override
        public void setPort(int port) {
            upstream.setPort(port);
        }

        @Override
        public void setTCP(boolean flag) {
            upstream.setTCP(flag);
        }

        @Override
        public void setIgnoreTruncation(boolean flag) {
            upstream.setIgnoreTruncation(flag);
        }

        @Override
        public void setEDNS(int version, int payloadSize, int flags, List<EDNSOption> options) {
            upstream.setEDNS(version, payloadSize, flags, options);
        }

        @Override
        public void setTSIGKey(TSIG key) {
            upstream.setTSIGKey(key);
        }

        @Override
        public void setTimeout(Duration timeout) {
            upstream.setTimeout(timeout);
        }

        @Override
        public Duration getTimeout() {
            return upstream.getTimeout();
        }
    }
}

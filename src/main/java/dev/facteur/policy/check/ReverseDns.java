package dev.facteur.policy.check;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.PtrAnswer;
import dev.facteur.policy.ClientName;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's name for {@link dev.facteur.policy.Pipeline}, by forward-confirmed reverse DNS
 * (RFC 8601 §3, "iprev"): the client's PTR names, then the addresses of each name; a name whose
 * A or AAAA records include the client's address is confirmed. The names are looked up at once, each on a virtual thread, so that a slow one costs
 * one timeout, not one each; the first confirmed name in the PTR answer's order is the client's.
 * At most {@code maxNames} names are tried, as SPF limits its PTR names to 10 (RFC 7208 §4.6.4):
 * a reverse zone can list thousands. A name that is not a valid host name, or that looks like an
 * address (a PTR "192.0.2.1" to pass for a name), is not tried.
 *
 * <p>When no name is confirmed and some forward lookup failed, the answer is TEMPFAIL, not
 * UNCONFIRMED: asking later may confirm it.
 */
public final class ReverseDns implements Function<InetAddress, ClientName> {

    private static final Logger log = LoggerFactory.getLogger("facteur.policy");

    public static final int DEFAULT_MAX_NAMES = 10;

    private final DnsResolver dns;
    private final int maxNames;

    public ReverseDns(DnsResolver dns) {
        this(dns, DEFAULT_MAX_NAMES);
    }

    public ReverseDns(DnsResolver dns, int maxNames) {
        if (maxNames < 1) throw new IllegalArgumentException("at least one name must be tried");
        this.dns = dns;
        this.maxNames = maxNames;
    }

    @Override
    public ClientName apply(InetAddress client) {
        List<String> names = switch (dns.ptr(client)) {
            case PtrAnswer.Names(var n) -> n;
            case PtrAnswer.NxDomain n -> List.of();
            case PtrAnswer.NoRecords n -> List.of();
            case PtrAnswer.TempFail(var reason) -> {
                log.info("client=[{}]: reverse DNS lookup failed: {}", client.getHostAddress(), reason);
                yield null;
            }
        };
        if (names == null) return new ClientName(ClientName.Status.TEMPFAIL, null);
        if (names.isEmpty()) return new ClientName(ClientName.Status.NONE, null);

        List<FutureTask<AddressAnswer>> lookups = new ArrayList<>();
        List<String> tried = new ArrayList<>();
        for (String name : names.subList(0, Math.min(maxNames, names.size()))) {
            if (HostnameSyntax.problem(name) != null) continue;
            var lookup = new FutureTask<>(() -> dns.addresses(name));
            Thread.ofVirtual().name("fcrdns " + name).start(lookup);
            lookups.add(lookup);
            tried.add(name);
        }
        String failure = null;
        for (int i = 0; i < lookups.size(); i++) {
            AddressAnswer answer;
            try {
                answer = lookups.get(i).get();
            } catch (ExecutionException e) {
                answer = new AddressAnswer.TempFail(e.getCause().toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                answer = new AddressAnswer.TempFail("interrupted");
            }
            switch (answer) {
                case AddressAnswer.Found(var addresses) -> {
                    if (addresses.contains(client)) return new ClientName(ClientName.Status.CONFIRMED, tried.get(i));
                }
                case AddressAnswer.TempFail(var reason) -> failure = tried.get(i) + ": " + reason;
                case AddressAnswer.NxDomain n -> {}
                case AddressAnswer.NoRecords n -> {}
            }
        }
        if (failure != null) {
            log.info("client=[{}]: forward lookup of its reverse DNS name failed: {}", client.getHostAddress(), failure);
            return new ClientName(ClientName.Status.TEMPFAIL, names.getFirst());
        }
        return new ClientName(ClientName.Status.UNCONFIRMED, names.getFirst());
    }
}

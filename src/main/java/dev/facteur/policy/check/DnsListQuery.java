package dev.facteur.policy.check;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks DNS lists about one subject (a reversed address, or a domain) and sums the weights of the
 * entries whose filter an answer matches, as postscreen scores a client. Each zone is asked once,
 * however many entries name it; all are asked at once, each on its own virtual thread, and the
 * whole waits at most the timeout: a zone that has not answered by then has failed.
 */
final class DnsListQuery {

    private static final Logger log = LoggerFactory.getLogger("facteur.policy");

    /** 127.0.0.0/8: where lists answer. */
    private static final int LOOPBACK_NET = 127;

    private DnsListQuery() {}

    /** An entry that an answer matched, and that answer. */
    record Hit(DnsList list, InetAddress answer) {}

    /** A zone that did not answer, and why. */
    record Failure(String zone, String reason) {}

    /**
     * What the lists said.
     *
     * @param score the weights of the entries hit
     * @param mostIfFailedHad the score had every failed zone answered so as to count for all its positive entries
     * @param leastIfFailedHad the same with its negative entries
     */
    record Outcome(int score, List<Hit> hits, List<Failure> failures, int mostIfFailedHad, int leastIfFailedHad) {

        /** Whether the failed zones could not have moved the score across {@code threshold}. */
        boolean settled(int threshold) {
            return (mostIfFailedHad >= threshold) == (leastIfFailedHad >= threshold);
        }
    }

    /** @param who for the log: {@link dev.facteur.policy.Facts#who()} */
    static Outcome ask(DnsResolver dns, List<DnsList> lists, String subject, Duration timeout, String who) {
        Map<String, FutureTask<AddressAnswer>> asked = new LinkedHashMap<>();
        for (DnsList list : lists) {
            asked.computeIfAbsent(list.zone(), zone -> {
                var task = new FutureTask<>(() -> dns.ipv4(subject + "." + zone));
                Thread.ofVirtual().name("dnslist " + zone).start(task);
                return task;
            });
        }
        Map<String, AddressAnswer> answers = new LinkedHashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (var e : asked.entrySet()) answers.put(e.getKey(), await(e.getValue(), deadline, timeout));

        int score = 0, most = 0, least = 0;
        List<Hit> hits = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
        for (var e : answers.entrySet()) {
            if (e.getValue() instanceof AddressAnswer.TempFail(var reason)) failures.add(new Failure(e.getKey(), reason));
            if (e.getValue() instanceof AddressAnswer.Found(var found)) warnAboutErrorCodes(e.getKey(), subject, found, who);
        }
        for (DnsList list : lists) {
            switch (answers.get(list.zone())) {
                case AddressAnswer.Found(var found) -> {
                    InetAddress hit = found.stream().filter(a -> counts(list, a)).findFirst().orElse(null);
                    if (hit != null) {
                        hits.add(new Hit(list, hit));
                        score += list.weight();
                    }
                }
                case AddressAnswer.TempFail t -> {
                    if (list.weight() > 0) most += list.weight();
                    else least += list.weight();
                }
                case AddressAnswer.NxDomain n -> {}
                case AddressAnswer.NoRecords n -> {}
            }
        }
        return new Outcome(score, hits, failures, score + most, score + least);
    }

    private static AddressAnswer await(FutureTask<AddressAnswer> task, long deadline, Duration timeout) {
        try {
            return task.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            task.cancel(true); // the lookup's thread stops waiting too
            return new AddressAnswer.TempFail("no answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            return new AddressAnswer.TempFail("lookup failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            task.cancel(true);
            return new AddressAnswer.TempFail("interrupted");
        }
    }

    /**
     * Whether this answer lists the subject for this entry. Error codes never do, whatever the
     * filter; without a filter, any other answer in 127.0.0.0/8 does.
     */
    private static boolean counts(DnsList list, InetAddress answer) {
        if (!(answer instanceof Inet4Address v4) || ErrorCodes.meaning(v4) != null) return false;
        return list.filter() != null ? list.filter().matches(v4) : (v4.getAddress()[0] & 0xff) == LOOPBACK_NET;
    }

    private static void warnAboutErrorCodes(String zone, String subject, List<InetAddress> found, String who) {
        for (InetAddress a : found) {
            String meaning = a instanceof Inet4Address v4 ? ErrorCodes.meaning(v4) : null;
            if (meaning != null)
                log.warn("{}: DNS list {} answered {} for {}: an error code ({}), not a listing", who, zone, a.getHostAddress(),
                        subject + "." + zone, meaning);
            else if ((a.getAddress()[0] & 0xff) != LOOPBACK_NET)
                log.warn("{}: DNS list {} answered {} for {}, outside 127.0.0.0/8 where lists answer: not a listing"
                        + " unless a filter says so (has the list's domain gone?)", who, zone, a.getHostAddress(), subject + "." + zone);
        }
    }
}

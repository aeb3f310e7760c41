package dev.facteur.policy.check;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The settings of {@link DnsListCheck} (client addresses) and {@link RhsblCheck} (sender domains),
 * after postscreen's.
 *
 * @param lists          the lists and their weights and filters ({@link DnsList#parse}); at least one
 * @param threshold      the score from which the client is listed (postscreen's default: 1)
 * @param allowThreshold a score at or below which the client is accepted for the rest of the stage
 *                       (the other checks of the stage are skipped), as postscreen's allowlist
 *                       threshold; 0: never. Negative.
 * @param action         listed: REJECT ({@code 554 5.7.1}), DEFER ({@code 450 4.7.1}), TAG (a header field) or OFF
 * @param onDnsFailure   when a list did not answer in time or failed and its answer could have
 *                       changed the outcome: DEFER ({@code 451 4.7.1}), TAG, or IGNORE (as if it
 *                       had said "not listed"). Each failure is logged with the list's name either way.
 * @param timeout        how long all the lists together may take to answer (postscreen's default: 10 s)
 * @param replyNames     the name to show in replies and header fields for a zone whose real name
 *                       holds a secret (an access key), as postscreen_dnsbl_reply_map
 */
public record DnsListSettings(List<DnsList> lists, int threshold, int allowThreshold, Action action, OnDnsFailure onDnsFailure,
        Duration timeout, Map<String, String> replyNames) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    public DnsListSettings {
        lists = List.copyOf(lists);
        if (lists.isEmpty()) throw new IllegalArgumentException("no DNS lists to ask");
        if (threshold < 1) throw new IllegalArgumentException("the threshold must be 1 or more");
        if (allowThreshold > 0) throw new IllegalArgumentException("the allow threshold must be negative (or 0 for none)");
        if (!timeout.isPositive()) throw new IllegalArgumentException("the timeout must be positive");
        replyNames = replyNames.entrySet().stream()
                .collect(Collectors.toUnmodifiableMap(e -> e.getKey().toLowerCase(Locale.ROOT), Map.Entry::getValue));
    }

    /** These lists, and postscreen's defaults otherwise: threshold 1, no allow threshold, reject, failures ignored, 10 s. */
    public static DnsListSettings of(List<String> entries) {
        return new DnsListSettings(entries.stream().map(DnsList::parse).toList(), 1, 0, Action.REJECT, OnDnsFailure.IGNORE,
                DEFAULT_TIMEOUT, Map.of());
    }

    /** The name a zone goes by in replies and headers. */
    String shown(String zone) {
        return replyNames.getOrDefault(zone, zone);
    }
}

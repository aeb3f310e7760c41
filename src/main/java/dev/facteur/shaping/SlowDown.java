package dev.facteur.shaping;

import dev.facteur.smtp.Reply;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Whether a reply asks the sender to slow down, rather than refusing one message or one
 * recipient. Large receivers say it in several ways: {@code 421} at any stage (closing the
 * connection), and temporary {@code 4.7.x} replies whose text speaks of rate, volume or
 * reputation, e.g. {@code 421 4.7.28 ... unusual rate of unsolicited mail},
 * {@code 421 4.7.0 [TSS04] Messages ... temporarily deferred due to unexpected volume},
 * {@code 451 4.7.500 Server busy. Please try again later}. Greylisting (a temporary refusal of
 * one new triplet) is not a request to slow down: a greylisted message simply comes back later;
 * nor is "try again later" alone, which is how rspamd greylists ({@code 451 4.7.1 Try again later}).
 * Nor is a reply about one recipient, such as Gmail's {@code 450 4.2.1 ... receiving mail at a
 * rate that prevents additional messages}: slowing the whole site would not help that mailbox.
 * A connection that is refused, reset or times out counts too ({@link Shaper#slowDown}).
 */
public final class SlowDown {

    private static final Pattern GREYLIST = Pattern.compile("gr[ae]y-?list");
    private static final Pattern RATE = Pattern.compile(
            "rate|too many|throttl|reputation|volume|slow down|exceed|limit|busy|temporarily deferred|deferred due|unusual");

    private SlowDown() {}

    /** Whether this reply, a server's own (not one Facteur made up for a failure), asks us to slow down. */
    public static boolean means(Reply r) {
        if (r.code() / 100 != 4) return false;
        String text = String.join(" ", r.lines()).toLowerCase(Locale.ROOT);
        if (GREYLIST.matcher(text).find()) return false;
        if (r.code() == 421) return true;
        return r.enhanced().startsWith("4.7.") && RATE.matcher(text).find();
    }
}

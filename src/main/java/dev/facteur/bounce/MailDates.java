package dev.facteur.bounce;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Dates as reports write them (RFC 5322 §3.3, the {@code date-time} of Arrival-Date and
 * Last-Attempt-Date, RFC 3464 §2.2.5), read with the obsolete forms RFC 5322 §4.3 asks readers to
 * accept: no day of the week, two-digit years, seconds left out, and zone names (EDT, GMT, ...).
 */
final class MailDates {

    private MailDates() {}

    private static final Pattern DATE = Pattern.compile(
            "\\s*(?:[A-Za-z]{3,9}\\s*,?\\s*)?(\\d{1,2})[\\s-]+([A-Za-z]{3})[A-Za-z]*\\.?[\\s-]+(\\d{2,4})\\s+(\\d{1,2}):(\\d{2})(?::(\\d{2}))?"
                    + "(?:\\s*([+-]\\d{4}|[A-Za-z]{1,5}))?");

    private static final Map<String, Integer> MONTHS = Map.ofEntries(Map.entry("jan", 1), Map.entry("feb", 2), Map.entry("mar", 3),
            Map.entry("apr", 4), Map.entry("may", 5), Map.entry("jun", 6), Map.entry("jul", 7), Map.entry("aug", 8),
            Map.entry("sep", 9), Map.entry("oct", 10), Map.entry("nov", 11), Map.entry("dec", 12));

    /** RFC 5322 §4.3 obs-zone; any other name (military letters, "JST") counts as -0000 as that section says. */
    private static final Map<String, Integer> ZONE_HOURS = Map.ofEntries(Map.entry("ut", 0), Map.entry("gmt", 0), Map.entry("utc", 0),
            Map.entry("z", 0), Map.entry("est", -5), Map.entry("edt", -4), Map.entry("cst", -6), Map.entry("cdt", -5),
            Map.entry("mst", -7), Map.entry("mdt", -6), Map.entry("pst", -8), Map.entry("pdt", -7));

    static Optional<Instant> parse(String value) {
        if (value == null) return Optional.empty();
        Matcher m = DATE.matcher(value);
        if (!m.lookingAt()) return Optional.empty();
        Integer month = MONTHS.get(m.group(2).toLowerCase(Locale.ROOT));
        if (month == null) return Optional.empty();
        int year = Integer.parseInt(m.group(3));
        if (m.group(3).length() == 2) year += year < 50 ? 2000 : 1900; // RFC 5322 §4.3
        else if (m.group(3).length() == 3) year += 1900;
        try {
            var local = LocalDateTime.of(year, month, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(4)),
                    Integer.parseInt(m.group(5)), m.group(6) == null ? 0 : Integer.parseInt(m.group(6)));
            return Optional.of(local.toInstant(offset(m.group(7))));
        } catch (DateTimeException e) { // 31 February, hour 25: no date
            return Optional.empty();
        }
    }

    private static ZoneOffset offset(String zone) {
        if (zone == null) return ZoneOffset.UTC;
        if (zone.charAt(0) == '+' || zone.charAt(0) == '-') {
            int sign = zone.charAt(0) == '-' ? -1 : 1;
            int hours = Integer.parseInt(zone.substring(1, 3)), minutes = Integer.parseInt(zone.substring(3, 5));
            if (hours > 18 || minutes > 59) return ZoneOffset.UTC;
            return ZoneOffset.ofHoursMinutes(sign * hours, sign * minutes);
        }
        return ZoneOffset.ofHours(ZONE_HOURS.getOrDefault(zone.toLowerCase(Locale.ROOT), 0));
    }
}

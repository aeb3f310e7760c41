package dev.facteur.bounce;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The fields of a {@code message/delivery-status} body (RFC 3464 §2.1; RFC 6533 §3 for
 * {@code message/global-delivery-status}): one group of per-message fields, then one group per
 * recipient, each group ended by an empty line.
 *
 * <p>Real reports are not always so tidy, so the groups are found by their fields too: a
 * per-message group that runs into the first recipient's fields with no empty line between is
 * split where the recipient's fields begin; a field that the current recipient already has
 * ({@code Final-Recipient}, {@code Original-Recipient}, {@code Action}) starts the next
 * recipient even without an empty line, and so does an {@code Original-Recipient} after the
 * {@code Final-Recipient} and {@code Action} of the current one (the RFC's order puts it first); a
 * line that is no field continues the field before it, as an unindented continuation line. Groups
 * without a recipient field say nothing about a recipient and are dropped.
 */
record DeliveryStatusFields(ReportFields perMessage, List<ReportFields> perRecipient) {

    /** Fields that belong to a recipient (RFC 3464 §2.3), and so end the per-message group. */
    private static final Set<String> RECIPIENT_FIELDS = Set.of("original-recipient", "final-recipient", "action", "status",
            "remote-mta", "diagnostic-code", "last-attempt-date", "final-log-id", "will-retry-until", "x-actual-recipient");

    /** RFC 3464 §2.2. */
    private static final Set<String> PER_MESSAGE_FIELDS = Set.of("original-envelope-id", "reporting-mta", "dsn-gateway",
            "received-from-mta", "arrival-date");

    /** The fields that name a recipient; a group without one is about no one. */
    private static final Set<String> NAMING_FIELDS = Set.of("final-recipient", "original-recipient", "x-actual-recipient");

    private static final int MAX_FIELDS = 10_000;

    static DeliveryStatusFields parse(String text, int maxRecipients) {
        List<String> lines = FieldLines.lines(text);
        List<ReportFields.Field> perMessage = new ArrayList<>();
        List<ReportFields> groups = new ArrayList<>();
        List<ReportFields.Field> current = new ArrayList<>();
        boolean inPerMessage = true;
        boolean firstBlock = true;
        int fieldsLeft = MAX_FIELDS;
        int i = 0;
        while (i < lines.size() && fieldsLeft > 0 && groups.size() < maxRecipients) {
            FieldLines.Read read = FieldLines.read(lines, i, fieldsLeft, true);
            if (read.fields().isEmpty()) { // an empty line, or text before the first field: the group ends
                if (!current.isEmpty() || !perMessage.isEmpty()) firstBlock = false;
                close(current, groups);
                i = Math.max(read.next(), i + 1);
                continue;
            }
            fieldsLeft -= read.fields().size();
            for (ReportFields.Field f : read.fields().list()) {
                String name = f.name().toLowerCase(Locale.ROOT);
                if (inPerMessage && firstBlock && !RECIPIENT_FIELDS.contains(name)) {
                    perMessage.add(f);
                    continue;
                }
                inPerMessage = false;
                if (startsNextRecipient(current, name)) close(current, groups);
                current.add(f);
            }
            i = read.next();
        }
        close(current, groups);
        return new DeliveryStatusFields(new ReportFields(perMessage), groups.size() > maxRecipients ? groups.subList(0, maxRecipients) : groups);
    }

    private static boolean startsNextRecipient(List<ReportFields.Field> current, String name) {
        int finalRecipient = indexOf(current, "final-recipient"), action = indexOf(current, "action");
        boolean named = finalRecipient >= 0 || indexOf(current, "original-recipient") >= 0;
        return switch (name) {
            case "final-recipient" -> finalRecipient >= 0;
            // Amazon SES writes Action, Final-Recipient, Original-Recipient: an Action before the Final-Recipient is this recipient's
            case "original-recipient" -> indexOf(current, "original-recipient") >= 0 || finalRecipient >= 0 && action > finalRecipient;
            case "action" -> action >= 0 && named;
            default -> false;
        };
    }

    private static int indexOf(List<ReportFields.Field> fields, String name) {
        for (int i = 0; i < fields.size(); i++) if (fields.get(i).name().equalsIgnoreCase(name)) return i;
        return -1;
    }

    private static void close(List<ReportFields.Field> current, List<ReportFields> groups) {
        if (current.stream().anyMatch(f -> NAMING_FIELDS.contains(f.name().toLowerCase(Locale.ROOT)))) groups.add(new ReportFields(current));
        current.clear();
    }

    /** The index of the first line of {@code lines} that is a delivery-status field, or the number of lines. */
    static int firstFieldLine(List<String> lines) {
        for (int i = 0; i < lines.size(); i++) {
            int n = FieldLines.nameLength(lines.get(i));
            if (n < 0) continue;
            String name = lines.get(i).substring(0, n).toLowerCase(Locale.ROOT);
            if (RECIPIENT_FIELDS.contains(name) || PER_MESSAGE_FIELDS.contains(name)) return i;
        }
        return lines.size();
    }

    /** True when {@code text} holds delivery-status fields: a recipient named and what happened to it. */
    static boolean appearsIn(String text) {
        boolean named = false, told = false;
        for (String line : FieldLines.lines(text)) {
            int n = FieldLines.nameLength(line);
            if (n < 0) continue;
            String name = line.substring(0, n).toLowerCase(Locale.ROOT);
            named |= name.equals("final-recipient") || name.equals("original-recipient");
            told |= name.equals("action") || name.equals("status");
            if (named && told) return true;
        }
        return false;
    }
}

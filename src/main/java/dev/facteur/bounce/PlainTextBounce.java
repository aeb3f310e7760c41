package dev.facteur.bounce;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a failure notice written as text for people (qmail, Exim, Exchange, Domino, Sendmail 5,
 * Yahoo, GMX, ...): who it is about, and why. No branch per vendor; the text is read with a few
 * habits most of them share:
 * <ul>
 * <li>the notice ends where the returned message begins, after a line such as "--- Below this
 * line is a copy of the message." or "----- Original message -----", or at a block of header
 * fields (Received, From, Subject, ...); what follows is the original's header;
 * <li>recipients are named by Exim's {@code X-Failed-Recipients} when the bounce has it, else by
 * the lines that start with an address ({@code <bob@example.org>:} as qmail writes,
 * {@code bob@example.org on <date>} as Exchange does, an address alone on its line as Gmail and
 * Domino do), else by the first address written in the notice that is not the sender's;
 * <li>each recipient's reason is in the lines from its address to the next recipient's: those
 * with an SMTP reply code, an enhanced status code, or the words of a known reason; failing
 * those, the lines before the first recipient (Notes writes the reason first).
 * </ul>
 */
final class PlainTextBounce {

    private PlainTextBounce() {}

    /** One recipient and why; {@code afterData} when the notice says the refusal answered DATA. */
    record Finding(String address, String diagnostic, Optional<String> remoteMta, boolean afterData) {}

    /**
     * What the notice says.
     *
     * @param findings          the recipients with their reasons
     * @param noticeDiagnostic  the reason the notice gives as a whole, for a recipient found elsewhere
     * @param quotedHeader      the returned message's header quoted after the notice; none if there is none
     * @param warning           the notice says the message is still being tried
     * @param notice            the text before the returned message
     */
    record Reading(List<Finding> findings, String noticeDiagnostic, ReportFields quotedHeader, boolean warning, String notice) {}

    private static final int MAX_DIAGNOSTIC = 1000;
    private static final int MAX_DIAGNOSTIC_LINES = 6;

    /** Names of the header fields that start a quoted message. */
    private static final Set<String> MESSAGE_FIELDS = Set.of("received", "return-path", "message-id", "from", "to", "cc", "subject", "date",
            "dkim-signature", "mime-version", "delivered-to", "reply-to", "x-received", "authentication-results", "content-type",
            "domainkey-signature", "sender", "x-mailer", "references", "in-reply-to", "x-originating-ip", "arc-seal",
            "content-transfer-encoding", "user-agent", "x-envelope-from", "x-envelope-to", "x-google-smtp-source");

    /**
     * A line that announces the returned message, once its rule of dashes is taken off: a few
     * words, the name of the thing, and perhaps "follows" ("--- Below this line is a copy of the
     * message.", "----- Original message -----", "Message headers follow."). A line that goes on
     * after the name ("The original message was received at ...") says something else.
     */
    private static final Pattern MARKER = Pattern.compile("[\\w ,']{0,25}?(?:original (?:message|mail|headers?)|returned (?:message|mail)"
            + "|unsent message|copy of the (?:original )?message|message headers?|headers? of the original message|undelivered message|message text)"
            + "(?:[ ,]+(?:follows?|is following|as follows|below|including all the headers|headers?|info))?[.:]?", Pattern.CASE_INSENSITIVE);
    private static final String RULE = "-=_*#~<>()[] \t";

    /** A reply said to answer DATA: the server took the recipient at RCPT TO, so its refusal is not about the mailbox (see {@link BounceClassifier}). */
    static final Pattern AFTER_DATA = Pattern.compile("(?:in reply to|after|following)\\s+(?:the\\s+)?(?:end\\s+of\\s+)?data\\b|>>> ?data\\b"
            + "|\\(data\\)|final\\s+data|^\\s*data\\s*$", Pattern.CASE_INSENSITIVE | Pattern.MULTILINE);

    /** Lines that give the sender's or the original's header fields, whose addresses are no recipient. */
    private static final Pattern HEADER_LIKE_LINE = Pattern.compile("^\\s*(?:from|sender|reply-to|return-path|cc|to|subject|date|sent)\\s*:",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern AFTER_FROM = Pattern.compile("from\\s*:?\\s*<?\\s*$", Pattern.CASE_INSENSITIVE);

    private static final Pattern REMOTE_HOST = Pattern.compile(
            "\\b(?:host|server)\\s*:?\\s*[<\\[]?([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)",
            Pattern.CASE_INSENSITIVE);

    /**
     * @param failedRecipients the bounce's own list of them ({@code X-Failed-Recipients}), possibly empty
     * @param notRecipients    addresses that are the sender's or the mail system's, in {@link TextAddresses#key} form
     */
    static Reading read(String text, List<String> failedRecipients, Set<String> notRecipients, int maxRecipients) {
        List<String> lines = FieldLines.lines(text);
        int cut = quotedMessageStart(lines);
        ReportFields quoted = cut < lines.size() ? quotedHeader(lines, cut) : ReportFields.NONE;
        List<String> notice = lines.subList(0, cut);
        String noticeText = String.join("\n", notice);
        List<String> lower = new ArrayList<>(notice.size());
        List<String> leads = new ArrayList<>(notice.size()); // the address each line starts with, in key form, or null
        for (String line : notice) {
            lower.add(line.toLowerCase(Locale.ROOT));
            leads.add(leadAddress(line).map(TextAddresses::key).orElse(null));
        }

        List<String> recipients = new ArrayList<>(failedRecipients);
        if (recipients.isEmpty()) recipients = leadAddresses(notice, leads, notRecipients);
        if (recipients.isEmpty()) firstMentioned(notice, notRecipients).ifPresent(recipients::add);
        recipients = distinct(recipients, maxRecipients);

        Map<String, Integer> starts = new LinkedHashMap<>();
        for (String r : recipients) starts.put(r, startLine(lower, leads, r));
        int[] sortedStarts = starts.values().stream().mapToInt(Integer::intValue).filter(s -> s >= 0).sorted().toArray();
        int firstStart = sortedStarts.length == 0 ? notice.size() : sortedStarts[0];
        String preamble = diagnosticOf(notice.subList(0, firstStart));
        String noticeDiagnostic = !preamble.isEmpty() || firstStart == notice.size() ? preamble : diagnosticOf(notice);

        List<Finding> findings = new ArrayList<>();
        for (String r : recipients) {
            int start = starts.get(r);
            if (start < 0) { // named elsewhere (X-Failed-Recipients, a DSN field): the notice as a whole says why
                findings.add(new Finding(r, noticeDiagnostic, Optional.empty(), false));
                continue;
            }
            int next = Arrays.binarySearch(sortedStarts, start);
            while (next < sortedStarts.length && sortedStarts[next] <= start) next++;
            List<String> segment = notice.subList(start, next < sortedStarts.length ? sortedStarts[next] : notice.size());
            String diagnostic = diagnosticOf(segment);
            if (diagnostic.isEmpty()) diagnostic = noticeDiagnostic;
            if (diagnostic.isEmpty()) diagnostic = following(segment, r);
            String context = String.join("\n", segment);
            findings.add(new Finding(r, diagnostic, remoteHost(context), AFTER_DATA.matcher(context).find()));
        }
        return new Reading(findings, noticeDiagnostic, quoted, Phrases.WARNING.matcher(noticeText).find(), noticeText);
    }

    /**
     * What the notice says about the recipients a DSN names, by address: each one's reason, and
     * whether it was refused after DATA. One reading for all of them, so that each recipient's
     * lines end where the next one's begin.
     */
    static Map<String, Finding> about(String notice, List<String> addresses, int maxRecipients) {
        Map<String, Finding> out = new HashMap<>();
        for (Finding f : read(notice, addresses, Set.of(), maxRecipients).findings()) out.put(TextAddresses.key(f.address()), f);
        return out;
    }

    /** Where the returned message begins: its announcing line, or the first line of a block of its header fields. */
    static int quotedMessageStart(List<String> lines) {
        for (int i = 0; i < lines.size(); i++) {
            if (isMarker(lines.get(i)) || headerBlockAt(lines, i)) return i;
        }
        return lines.size();
    }

    private static boolean isMarker(String line) {
        int from = 0, to = line.length();
        while (from < to && RULE.indexOf(line.charAt(from)) >= 0) from++;
        while (to > from && RULE.indexOf(line.charAt(to - 1)) >= 0) to--;
        return to - from <= 90 && MARKER.matcher(line.substring(from, to)).matches();
    }

    /** Three or more header fields from line {@code i} on, starting with one a message has (Received, From, ...). */
    static boolean headerBlockAt(List<String> lines, int i) {
        int n = FieldLines.nameLength(lines.get(i));
        if (n < 0 || !MESSAGE_FIELDS.contains(lines.get(i).substring(0, n).toLowerCase(Locale.ROOT))) return false;
        ReportFields fields = FieldLines.read(lines, i, 3).fields();
        return fields.size() >= 3;
    }

    /** The header quoted from line {@code start} on, past the announcing line and any rule of dashes or empty lines. */
    private static ReportFields quotedHeader(List<String> lines, int start) {
        int i = start;
        if (FieldLines.nameLength(lines.get(i)) < 0 || isMarker(lines.get(i))) i++;
        while (i < lines.size() && (lines.get(i).isBlank() || lines.get(i).strip().matches("[-=_*#~]+"))) i++;
        if (i >= lines.size() || !headerBlockAt(lines, i) && FieldLines.nameLength(lines.get(i)) < 0) return ReportFields.NONE;
        return FieldLines.read(lines, i, 500).fields();
    }

    /** The addresses that start a line, after white space, a bullet or a bracket: {@code <bob@example.org>:}, {@code * bob@example.org}. */
    private static List<String> leadAddresses(List<String> notice, List<String> leads, Set<String> notRecipients) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < notice.size(); i++) {
            if (leads.get(i) != null && !notRecipients.contains(leads.get(i))) leadAddress(notice.get(i)).ifPresent(out::add);
        }
        return out;
    }

    static Optional<String> leadAddress(String line) {
        int i = 0;
        while (i < line.length() && " \t*-•>\"'<([".indexOf(line.charAt(i)) >= 0) i++;
        if (i >= line.length() || line.length() - i > 2000) return Optional.empty();
        Matcher m = TextAddresses.ADDRESS.matcher(line);
        m.region(i, line.length());
        if (!m.lookingAt()) return Optional.empty();
        int after = m.end();
        while (after < line.length() && "\"'>)]".indexOf(line.charAt(after)) >= 0) after++;
        if (after == line.length()) return Optional.of(m.group(1));
        char c = line.charAt(after);
        boolean ends = Character.isWhitespace(c) || ":,;([".indexOf(c) >= 0 || (c == '.' && (after + 1 == line.length() || line.charAt(after + 1) == '.'));
        return ends ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The first address in the notice that is not the sender's, nor in a line of header fields, nor after "from". */
    private static Optional<String> firstMentioned(List<String> notice, Set<String> notRecipients) {
        for (String line : notice) {
            if (HEADER_LIKE_LINE.matcher(line).find() || line.length() > 4000) continue;
            Matcher m = TextAddresses.ADDRESS.matcher(line);
            while (m.find()) {
                String before = line.substring(Math.max(0, m.start() - 16), m.start());
                if (AFTER_FROM.matcher(before).find() || notRecipients.contains(TextAddresses.key(m.group(1)))) continue;
                return Optional.of(m.group(1));
            }
        }
        return Optional.empty();
    }

    private static List<String> distinct(List<String> addresses, int max) {
        Map<String, String> byKey = new LinkedHashMap<>();
        for (String a : addresses) if (byKey.size() < max) byKey.putIfAbsent(TextAddresses.key(a), a);
        return new ArrayList<>(byKey.values());
    }

    /** The line where the notice first names {@code address}: as a line's lead if it does so, else anywhere; -1 if nowhere. */
    private static int startLine(List<String> lowerLines, List<String> leads, String address) {
        String key = TextAddresses.key(address);
        int lead = leads.indexOf(key);
        if (lead >= 0) return lead;
        for (int i = 0; i < lowerLines.size(); i++) if (lowerLines.get(i).contains(key)) return i;
        return -1;
    }

    /** The lines that say why: an SMTP reply code, a status code, or the words of a known reason; joined, each once. */
    static String diagnosticOf(List<String> lines) {
        List<String> picked = new ArrayList<>();
        for (String line : lines) {
            String t = line.strip();
            if (t.isEmpty() || t.length() > 2000 || picked.contains(t)) continue;
            if (ReplyCodes.failureIn(t) || StatusCode.find(t).filter(c -> !c.isSuccess()).isPresent() || Phrases.explains(t)) picked.add(t);
            if (picked.size() == MAX_DIAGNOSTIC_LINES) break;
        }
        return clip(String.join(" ", picked));
    }

    /** The words after the recipient's address, when no line says more: "bob@example.org: Domain does not exist". */
    private static String following(List<String> segment, String address) {
        List<String> out = new ArrayList<>();
        String first = segment.getFirst();
        int at = indexOfIgnoringCase(first, address);
        if (at >= 0) {
            String rest = first.substring(at + address.length()).replaceFirst("^[\\s\"'>):,;\\]]+", "").strip();
            if (!rest.isEmpty()) out.add(rest);
        }
        for (int i = 1; i < segment.size() && out.size() < 3; i++) if (!segment.get(i).isBlank()) out.add(segment.get(i).strip());
        return clip(String.join(" ", out));
    }

    /** Where {@code line} holds {@code s} in any case, by position in {@code line} itself (lower-casing may change a string's length). */
    private static int indexOfIgnoringCase(String line, String s) {
        for (int i = 0; i + s.length() <= line.length(); i++) if (line.regionMatches(true, i, s, 0, s.length())) return i;
        return -1;
    }

    private static Optional<String> remoteHost(String segment) {
        Matcher m = REMOTE_HOST.matcher(segment);
        while (m.find()) {
            String host = m.group(1);
            if (host.chars().anyMatch(Character::isLetter) || host.chars().filter(c -> c == '.').count() == 3) return Optional.of(host);
        }
        return Optional.empty();
    }

    private static String clip(String s) {
        String t = s.replaceAll("\\s+", " ").strip();
        return t.length() <= MAX_DIAGNOSTIC ? t : t.substring(0, MAX_DIAGNOSTIC);
    }
}

package dev.facteur.bounce;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What servers write in the text of a refusal, per class, for the many replies whose status code
 * is missing or says no more than its class. English only: the SMTP reply text of nearly every
 * server is. The tables are tried in this order, each stronger sign first: a full mailbox or a
 * too large message before the address; the address before policy (a refusal that says
 * "rejected: user unknown" is about the user); the pace of sending before policy (a rate limit is
 * often worded as a block: "Ip frequency limited ... Blocked IP"); and policy before the words of a
 * temporary failure (a block list reply often says "try again later").
 *
 * <p>Each phrase is a word that must be in the text, and where the word alone would say too much,
 * a pattern around it: looking for a word first keeps the tables cheap on long notices.
 */
final class Phrases {

    private Phrases() {}

    /** A word the text must hold (lower case), and, when given, a pattern the text must match too. */
    private record Phrase(String word, Pattern pattern) {
        boolean in(String text, String lower) {
            return lower.contains(word) && (pattern == null || pattern.matcher(text).find());
        }
    }

    private static Phrase w(String word) {
        return new Phrase(word, null);
    }

    private static Phrase w(String word, String pattern) {
        return new Phrase(word, Pattern.compile(pattern, Pattern.CASE_INSENSITIVE));
    }

    /** One class's phrases. */
    record Table(BounceClass bounceClass, List<Phrase> phrases) {
        boolean matches(String text) {
            return matches(text, text.toLowerCase(Locale.ROOT));
        }

        private boolean matches(String text, String lower) {
            for (Phrase p : phrases) if (p.in(text, lower)) return true;
            return false;
        }
    }

    /** An account or mailbox closed for good: disabled, suspended, deleted, frozen... */
    private static final String ACCOUNT_GONE = "(?:user|recipient|mailbox|address|account) (?:has been |was |is )?(?:disabled|deactivated"
            + "|suspended|closed|discontinued|inactive|terminated|expired|removed|deleted|frozen)";

    /** X.2.2 in words. */
    private static final Table MAILBOX_FULL = new Table(BounceClass.SOFT, List.of(
            w("mail", "mail ?(?:box|folder|drop)\\b.{0,40}(?:full|exceed|over ?quota|quota|size limit|limit exceeded|no space)"),
            w("quota", "(?:over|exceeded?|exceeds) (?:the |its |his |her |their )?(?:disk |storage |mailbox )?quota|quota (?:exceeded|full|reached)"),
            w("exceeded storage allocation"), w("storage", "storage (?:allocation|space|limit) (?:exceeded|full)"),
            w("space", "insufficient (?:disk )?space|out of (?:disk )?space"), w("recipient's mailbox"), w("inbox is full")));

    /** RFC 7505: the domain publishes that it takes no mail, as relays and receivers report it (556 5.1.10, and in words). */
    static final Table NULL_MX = new Table(BounceClass.HARD, List.of(w("null mx"), w("no smtp service"),
            w("mail", "does not accept (?:e-?)?mail|doesn't receive (?:e-?)?mail")));

    private static final List<Table> TABLES = List.of(
            MAILBOX_FULL,
            new Table(BounceClass.TOO_LARGE, List.of(
                    w("size", "(?:message|mail|email|e-mail)s? size|size limit|exceeds? (?:the )?(?:maximum|max\\.?|allowed) (?:message )?size"
                            + "|maximum (?:message )?size"),
                    w("length", "(?:message|mail|email|e-mail)s? length"),
                    w("too", "(?:message|mail|email) (?:is |was )?too (?:big|large|long)|too (?:big|large) for"))),
            new Table(BounceClass.HARD, List.of(
                    w("unknown", "(?:user|host|domain)(?: name)? (?:is )?unknown|unknown (?:user|recipient|mailbox|address|account|local ?part|host|domain)"),
                    w("no such", "no such (?:user|mailbox|recipient|address|account|person|local user)"),
                    w("exist", "(?:user|recipient|mailbox|account|addressee)\\b.{0,40}\\b(?:does not|doesn't|did not|does no longer) exist"
                            + "|(?:host|domain)(?: name)? (?:does not|doesn't) exist"),
                    w("found", "(?:user|recipient|mailbox|address|account)(?: name)? (?:was |is )?not found|(?:host|domain)(?: name)? not found"
                            + "|host\\b.{1,80} not found|(?:user|recipient|mailbox|address|account) (?:could not|couldn't|cannot|can't) be found"),
                    w("recogni", "(?:user|recipient|mailbox|address|account)(?: name)? (?:was |is )?not recogni[sz]ed"),
                    w("unavailable", "(?:user|recipient|mailbox|address|account) (?:is )?unavailable"),
                    w("invalid", "invalid (?:recipient|mailbox|user|address|account)|(?:host|domain)(?: name)? is invalid"),
                    w("not a valid", "not a valid (?:user|recipient|mailbox|address)"), w("no valid recipients"), w("not listed in"),
                    w("disabled or discontinued"),
                    w("user", ACCOUNT_GONE), w("recipient", ACCOUNT_GONE), w("mailbox", ACCOUNT_GONE), w("address", ACCOUNT_GONE),
                    w("account", ACCOUNT_GONE + "|doesn't have an? .{1,60} account"),
                    w("no longer", "no longer (?:valid|available|active|in use|exists|accepting|on (?:this )?server)"),
                    w("moved", "(?:has|have) moved"), w("unrouteable address"), w("nxdomain"), w("name or service not known"),
                    w("by that name", "no (?:mail ?box|account) by that name"), w("no mailbox here"), w("no account here"),
                    // "Address rejected." alone, as at RCPT: the address; "address rejected: <reason>" gives the reason instead
                    w("address rejected", "(?<!sender |domain )\\baddress rejected(?!\\s*:)"),
                    w("null mx"), w("no smtp service"), w("mail", "does not accept (?:e-?)?mail|doesn't receive (?:e-?)?mail"))),
            new Table(BounceClass.SOFT, List.of(
                    w("greylist"), w("graylist"), w("rate limit"), w("frequency limit"), w("throttl"), w("slow down"),
                    w("too many", "too many (?:connections|messages|recipients|concurrent|sessions)"))),
            new Table(BounceClass.POLICY, List.of(
                    w("spam"), w("junk"), w("complaint"), w("blocked"), w("block list"), w("blocklist"), w("black list"), w("blacklist"), w("denylist"),
                    w("deny list"), w("denied"), w("reputation"), w("rbl", "\\brbl\\b"), w("dnsbl"), w("policy"), w("policies"),
                    w("filter"), w("virus"), w("malware"), w("phish"), w("dmarc"), w("spf", "\\bspf\\b"), w("dkim"),
                    w("unauthenticated"), w("authentication", "authentication (?:failed|failure|required)"),
                    w("authori", "not authori[sz]ed"), w("not permitted"), w("prohibited"), w("not allowed"), w("permission"),
                    w("header error"), w("rejected"), w("rejet"), w("refused", "(?<!connection )refused"), w("your isp"),
                    w("invalid domain name"), w("helo", "\\bhelo\\b"), w("name was rejected"), w("member", "not (?:a )?member"),
                    w("moderat"), w("content", "content (?:rejected|refused|not accepted)"), w("suspicious"))),
            new Table(BounceClass.SOFT, List.of(
                    w("try later"), w("try again"), w("temporar", "temporar(?:y|ily)"), w("timed out"), w("timeout"), w("time out"),
                    w("connection", "connection (?:refused|reset|lost|closed|dropped|failed)"), w("no route to host"),
                    w("network is unreachable"), w("reachable", "(?:host|server|domain) (?:is )?(?:not reachable|unreachable)"),
                    w("busy", "(?:host|server) (?:is )?busy"), w("connect", "(?:could not|unable to|cannot|can't|couldn't) connect"),
                    w("deferred"), w("retry time"), w("queue too long"), w("in the queue"), w("expired"), w("delivery time"),
                    w("hop count"), w("routing loop"), w("mail loop"), w("loop detected"), w("configuration error"), w("system error"),
                    w("unavailable", "resources? (?:temporarily )?unavailable|service (?:is )?(?:currently |temporarily )?unavailable"),
                    w("not available", "service (?:is )?(?:currently |temporarily )?not available"), w("out of memory"),
                    w("insufficient system storage"), w("could not be delivered for"), w("will be retried"), w("aborted after"),
                    w("attempts", "\\d+ (?:delivery )?attempts"))));

    /** The class the first matching table gives, if any matches. */
    static Optional<BounceClass> classOf(String text) {
        if (text == null || text.isBlank()) return Optional.empty();
        String lower = text.toLowerCase(Locale.ROOT);
        for (Table t : TABLES) if (t.matches(text, lower)) return Optional.of(t.bounceClass);
        return Optional.empty();
    }

    /** True when some table recognises {@code line}: it says why a message failed. */
    static boolean explains(String line) {
        return classOf(line).isPresent();
    }

    /** A report that warns only: the message is still being tried (a delay notice without a DSN part). */
    static final Pattern WARNING = Pattern.compile("this is a warning|warning message only|will be retried|still being retried|delayed mail"
            + "|delivery (?:has been )?delayed|not yet been delivered|do not need to resend", Pattern.CASE_INSENSITIVE);
}

package dev.facteur.routing;

import dev.facteur.message.HeaderAddresses;
import dev.facteur.auth.srs.Reversed;
import dev.facteur.auth.srs.Srs;
import dev.facteur.message.Mailbox;
import dev.facteur.message.ReversePath;
import dev.facteur.net.Cidr;
import dev.facteur.smtp.AddressPolicy;
import dev.facteur.smtp.Reply;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides at RCPT time where mail for an address goes, in Postfix's order: the relay rules on
 * the address as the client gave it; recipient canonical rewriting; then for our own domains the
 * aliases (exact address, then without the {@code +extension}), the users, the postmaster and
 * the domain's catch-all, any of which failing means {@code 550 5.1.1} there and then; for other
 * domains, any {@code error:} entry of the transport map. Also rewrites senders (canonical map,
 * masquerading), in the envelope and, when asked, in the header.
 */
public final class AddressResolver implements AddressPolicy {

    private static final Logger log = LoggerFactory.getLogger("facteur.routing");

    /** How many addresses one RCPT may expand to, and how deep aliases may nest. */
    static final int MAX_EXPANSION = 1000;
    static final int MAX_DEPTH = 20;

    /**
     * @param localDomains   domains whose mailboxes we hold, in the configured order (the first one
     *                       names the bare {@code <Postmaster>})
     * @param hostname       our name: {@code postmaster@hostname} always exists (RFC 5321 §4.5.1)
     * @param relayDomains   other domains we accept mail for from anyone and pass on (backup MX, gateway)
     * @param delimiter      sub-addressing separator ({@code user+tag}); empty for none
     * @param postmaster     where {@code postmaster@} every local domain goes; null for the local user "postmaster"
     * @param masquerade     sender domains whose subdomains are hidden ({@code host.example.test} becomes {@code example.test})
     * @param rewriteHeaders whether the rewriting also applies to the address header fields of mail from relay clients
     */
    public record Rules(List<String> localDomains, String hostname, Set<String> relayDomains, List<Cidr> relayNetworks,
            String delimiter, Mailbox postmaster, List<String> masquerade, boolean rewriteHeaders) {
        public Rules {
            localDomains = List.copyOf(new LinkedHashSet<>(lower(localDomains)));
            hostname = hostname.toLowerCase(Locale.ROOT);
            relayDomains = Set.copyOf(lower(List.copyOf(relayDomains)));
            relayNetworks = List.copyOf(relayNetworks);
            masquerade = lower(masquerade);
        }

        private static List<String> lower(List<String> s) {
            return s.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
        }
    }

    private final Rules rules;
    private final Set<String> localDomains;
    private final Tables tables;
    private final Srs srs;
    private final BounceDomain bounces;

    public AddressResolver(Rules rules, Tables tables) {
        this(rules, tables, null);
    }

    /** @param srs decodes the bounces of forwarded mail (SRS addresses in its domain); null: none */
    public AddressResolver(Rules rules, Tables tables, Srs srs) {
        this(rules, tables, srs, null);
    }

    /** @param bounces the bounce domain, whose mail is read as reports; null: none */
    public AddressResolver(Rules rules, Tables tables, Srs srs, BounceDomain bounces) {
        this.srs = srs;
        this.bounces = bounces;
        this.rules = rules;
        // with no local domain configured, our own name is one (Postfix's mydestination = $myhostname)
        this.localDomains = rules.localDomains().isEmpty() ? Set.of(rules.hostname()) : Set.copyOf(rules.localDomains());
        this.tables = tables;
    }

    /** Ours to deliver: a local domain, the bare postmaster, or postmaster@hostname. */
    public boolean isLocal(Mailbox m) {
        return !m.hasDomain() || localDomains.contains(m.domainKey())
                || (m.isPostmaster() && m.domainKey().equals(rules.hostname()));
    }

    private boolean mayRelay(InetAddress client) {
        return rules.relayNetworks().stream().anyMatch(n -> n.contains(client));
    }

    @Override
    public ReversePath sender(ReversePath from) {
        Optional<Mailbox> m = from.mailbox();
        if (m.isEmpty()) return from;
        Mailbox s = senderAddress(m.get());
        return s.equals(m.get()) ? from : ReversePath.of(s);
    }

    /** Sender canonical rewriting, then masquerading of subdomains. */
    private Mailbox senderAddress(Mailbox m) {
        Mailbox s = tables.senderCanonical().get().rewrite(m);
        for (String d : rules.masquerade()) {
            if (s.domainKey().endsWith("." + d)) return new Mailbox(s.localPart(), d);
        }
        return s;
    }

    /**
     * With {@code rewrite_headers}, the same rewriting in the message, for mail from our own
     * clients only (relay networks): mail from the Internet keeps its header, and its signatures.
     */
    @Override
    public HeaderRewrite headerRewrite(InetAddress client) {
        return headerRewrite(client, false);
    }

    /** Clients that logged in are our own clients too. */
    @Override
    public HeaderRewrite headerRewrite(InetAddress client, boolean authenticated) {
        if (!rules.rewriteHeaders() || !(authenticated || mayRelay(client))) return null;
        return (name, value) -> switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "from", "sender", "reply-to", "resent-from", "resent-sender" -> HeaderAddresses.rewrite(value, this::senderAddress);
            case "to", "cc", "resent-to", "resent-cc" -> HeaderAddresses.rewrite(value, tables.recipientCanonical().get()::rewrite);
            default -> null;
        };
    }

    /** One key per mailbox: our own local parts are case-insensitive, other domains' are kept as they are. */
    @Override
    public String recipientKey(Mailbox m) {
        return (isLocal(m) ? m.localPart().toLowerCase(Locale.ROOT) : m.localPart()) + "@" + m.domainKey();
    }

    @Override
    public Decision recipient(InetAddress client, Mailbox rcpt) {
        return recipient(client, rcpt, false);
    }

    /** A client that logged in relays as a relay network's does (Postfix's permit_sasl_authenticated). */
    @Override
    public Decision recipient(InetAddress client, Mailbox rcpt, boolean authenticated) {
        if (srs != null && rcpt.hasDomain() && rcpt.domainKey().equals(srs.domain())) {
            // a bounce of mail we forwarded goes back to whom the SRS address names; a made-up one goes nowhere
            switch (srs.reverse(rcpt)) {
                case Reversed.Decoded d -> {
                    return new Decision.Accept(List.of(d.address()));
                }
                case Reversed.NotSrs n -> {}
                case Reversed refused -> {
                    log.info("<{}>: refused: not one of our SRS addresses: {}", rcpt, refused);
                    return new Decision.Refuse(new Reply(550, "5.1.1", "<" + rcpt + ">: Recipient address rejected: User unknown"));
                }
            }
        }
        if (isBounceDomain(rcpt)) {
            // RFC 5321 §4.5.1: every domain we take mail for has a postmaster, and it is ours
            if (rcpt.isPostmaster()) return recipient(client, postmaster(), authenticated);
            Optional<Reply> refused = bounces.refusal(rcpt);
            if (refused.isPresent()) log.info("<{}>: refused: {}", rcpt, refused.get());
            return refused.<Decision>map(Decision.Refuse::new).orElseGet(() -> new Decision.Accept(List.of(rcpt)));
        }
        // The relay rule looks at the address as the client gave it, before any rewriting.
        if (rcpt.hasDomain() && !isLocal(rcpt) && !authenticated && !mayRelay(client) && !rules.relayDomains().contains(rcpt.domainKey()))
            return new Decision.Refuse(RELAY_DENIED);
        Mailbox r = rcpt.hasDomain() ? tables.recipientCanonical().get().rewrite(rcpt) : postmaster(); // RFC 5321 §4.1.1.3
        Map<String, Mailbox> out = new LinkedHashMap<>();
        Reply refusal = expand(r, 0, new HashSet<>(), out);
        if (refusal != null) return new Decision.Refuse(asked(rcpt, refusal));
        return new Decision.Accept(List.copyOf(out.values()));
    }

    /** A refusal told about the address the client asked for: an alias's members are not the client's business. */
    private static Reply asked(Mailbox rcpt, Reply r) {
        return switch (r.enhanced()) {
            case "5.1.1" -> new Reply(r.code(), r.enhanced(), "<" + rcpt + ">: Recipient address rejected: User unknown");
            case "5.4.6" -> new Reply(r.code(), r.enhanced(), "<" + rcpt + ">: Recipient address rejected: alias loop");
            default -> r;
        };
    }

    private Mailbox postmaster() {
        if (rules.postmaster() != null) return rules.postmaster();
        String domain = rules.localDomains().isEmpty() ? rules.hostname() : rules.localDomains().getFirst();
        return new Mailbox("postmaster", domain);
    }

    private static String key(Mailbox m) {
        return m.localPart().toLowerCase(Locale.ROOT) + "@" + m.domainKey();
    }

    /** Adds the final addresses of {@code m} to {@code out}; returns the refusal, or null when all is well. */
    private Reply expand(Mailbox m, int depth, Set<String> path, Map<String, Mailbox> out) {
        // the bare <Postmaster>, and postmaster@hostname when the hostname is not a local domain, are the one postmaster
        if (!m.hasDomain() || (m.isPostmaster() && !localDomains.contains(m.domainKey()) && isLocal(m))) {
            Mailbox pm = postmaster();
            if (!key(pm).equals(key(m))) m = pm;
        }
        if (tables.transports().get().lookup(m, !isLocal(m)).orElse(null) instanceof Transport.Error(Reply reply)) return reply;
        if (!isLocal(m)) return finalMailbox(m, out);
        if (depth > MAX_DEPTH || !path.add(key(m))) {
            return new Reply(550, "5.4.6", "Alias loop or expansion too deep for <" + m + ">");
        }
        try {
            Aliases aliases = tables.aliases().get();
            Optional<List<Mailbox>> targets = aliases.lookup(m.localPart(), m.domain());
            String base = baseLocalPart(m.localPart());
            if (targets.isEmpty() && base != null) targets = aliases.lookup(base, m.domain());
            if (targets.isPresent()) return expandAll(m, targets.get(), depth, path, out);
            if (isMailbox(m, base)) return finalMailbox(m, out);
            if (m.isPostmaster() || "postmaster".equalsIgnoreCase(base)) {
                Mailbox pm = rules.postmaster();
                if (pm == null || key(pm).equals(key(m))) return finalMailbox(m, out); // RFC 5321 §4.5.1: always exists
                return expand(pm, depth + 1, path, out);
            }
            Optional<List<Mailbox>> all = aliases.catchAll(m.domain());
            if (all.isPresent()) return expandAll(m, all.get(), depth, path, out);
            return new Reply(550, "5.1.1", "<" + m + ">: Recipient address rejected: User unknown");
        } finally {
            path.remove(key(m));
        }
    }

    /**
     * An alias's members. A member that cannot take mail (a user since removed, a loop) is left
     * out and logged for the operator, so one stale line does not refuse the whole alias; only
     * an alias with no member left is refused.
     */
    private Reply expandAll(Mailbox m, List<Mailbox> targets, int depth, Set<String> path, Map<String, Mailbox> out) {
        Reply firstRefusal = null;
        boolean any = false;
        for (Mailbox t : targets) {
            // An alias that names its own address means "and my own mailbox too" (aliases(5)).
            Reply r = key(t).equals(key(m)) ? finalMailbox(m, out) : expand(t, depth + 1, path, out);
            if (r == null) {
                any = true;
            } else if (r == TOO_MANY) {
                return r;
            } else if (r.enhanced().equals("5.1.1") || r.enhanced().equals("5.4.6")) {
                // a member that no longer exists, or loops: nobody would ever get mail there
                log.warn("alias <{}>: member <{}> left out: {}", m, t, r);
                if (firstRefusal == null) firstRefusal = r;
            } else {
                // any other refusal (a transport map error: entry) is the delivery's to report, with a DSN
                any = true;
                Reply over = finalMailbox(t, out);
                if (over != null) return over;
            }
        }
        return any ? null : firstRefusal;
    }

    private boolean isMailbox(Mailbox m, String base) {
        LocalUsers users = tables.users().get();
        if (users.exists(m.localPart(), m.domain()) || (base != null && users.exists(base, m.domain()))) return true;
        // a transport map entry for this very address also makes it exist (not one for its whole domain)
        return tables.transports().get().hasAddressEntry(m);
    }

    private static final Reply TOO_MANY =
            new Reply(550, "5.5.3", "Too many recipients in the alias expansion (more than " + MAX_EXPANSION + ")");

    private static Reply finalMailbox(Mailbox m, Map<String, Mailbox> out) {
        out.putIfAbsent(key(m), m);
        return out.size() > MAX_EXPANSION ? TOO_MANY : null;
    }

    /** {@code user} of {@code user+tag}, or null when there is no tag. */
    private String baseLocalPart(String localPart) {
        String d = rules.delimiter();
        if (d.isEmpty()) return null;
        int i = localPart.indexOf(d);
        return i > 0 ? localPart.substring(0, i) : null;
    }

    /**
     * The transport for a final recipient, for the delivery side: the transport map's entry, or
     * our mailboxes for a local address, or {@code remote} (MX routing or the smarthost). The map's
     * {@code *} default is for mail leaving us, never for our own mailboxes.
     */
    public Transport transport(Mailbox rcpt, Transport remote) {
        if (isBounceDomain(rcpt)) return new Transport.Reports();
        boolean local = isLocal(rcpt);
        Optional<Transport> t = tables.transports().get().lookup(rcpt, !local);
        return t.orElseGet(() -> local ? new Transport.Local() : remote);
    }

    private boolean isBounceDomain(Mailbox m) {
        return bounces != null && m.hasDomain() && m.domainKey().equals(bounces.domain());
    }

    /** The part of a local address that names the mailbox: {@code user} of {@code user+tag@domain}. */
    public String mailboxName(Mailbox rcpt) {
        String base = baseLocalPart(rcpt.localPart());
        return base == null ? rcpt.localPart() : base;
    }
}

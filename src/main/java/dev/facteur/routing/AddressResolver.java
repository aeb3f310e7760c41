package dev.facteur.routing;

import dev.facteur.message.Mailbox;
import dev.facteur.message.ReversePath;
import dev.facteur.net.Cidr;
import dev.facteur.smtp.AddressPolicy;
import dev.facteur.smtp.Reply;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides at RCPT time where mail for an address goes, in Postfix's order: recipient canonical
 * rewriting; then for our own domains the aliases (exact address, then without the
 * {@code +extension}), the users, the postmaster, and the domain's catch-all, any of which
 * failing means {@code 550 5.1.1} there and then; for other domains, the relay rules and any
 * {@code error:} entry of the transport map.
 */
public final class AddressResolver implements AddressPolicy {

    /** How many addresses one RCPT may expand to, and how deep aliases may nest. */
    static final int MAX_EXPANSION = 1000;
    static final int MAX_DEPTH = 20;

    /**
     * @param localDomains  domains whose mailboxes we hold
     * @param relayDomains  other domains we accept mail for from anyone and pass on (backup MX, gateway)
     * @param delimiter     sub-addressing separator ({@code user+tag}); empty for none
     * @param postmaster    where {@code postmaster@} every local domain goes; null for the local user "postmaster"
     * @param masquerade    sender domains whose subdomains are hidden ({@code host.example.test} becomes {@code example.test})
     * @param rewriteHeaders whether the rewriting also applies to the message's address header fields
     */
    public record Rules(Set<String> localDomains, Set<String> relayDomains, List<Cidr> relayNetworks, String delimiter,
            Mailbox postmaster, List<String> masquerade, boolean rewriteHeaders) {
        public Rules {
            localDomains = lower(localDomains);
            relayDomains = lower(relayDomains);
            relayNetworks = List.copyOf(relayNetworks);
            masquerade = List.copyOf(lower(Set.copyOf(masquerade)));
        }

        private static Set<String> lower(Set<String> s) {
            return s.stream().map(d -> d.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        }
    }

    private final Rules rules;
    private final Tables tables;

    public AddressResolver(Rules rules, Tables tables) {
        this.rules = rules;
        this.tables = tables;
    }

    public boolean isLocal(Mailbox m) {
        return !m.hasDomain() || rules.localDomains().contains(m.domainKey());
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
     * With {@code rewrite_headers}, the same rewriting in the message: sender fields get the
     * sender rules, recipient fields the recipient canonical map.
     */
    @Override
    public HeaderRewrite headerRewrite() {
        if (!rules.rewriteHeaders()) return null;
        return (name, value) -> switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "from", "sender", "reply-to", "resent-from", "resent-sender" -> HeaderAddresses.rewrite(value, this::senderAddress);
            case "to", "cc", "resent-to", "resent-cc" -> HeaderAddresses.rewrite(value, tables.recipientCanonical().get()::rewrite);
            default -> null;
        };
    }

    @Override
    public Decision recipient(InetAddress client, Mailbox rcpt) {
        Mailbox r = tables.recipientCanonical().get().rewrite(rcpt);
        if (!r.hasDomain()) r = postmaster(); // RFC 5321 §4.1.1.3: the bare <Postmaster>
        if (!isLocal(r)) {
            if (!mayRelay(client) && !rules.relayDomains().contains(r.domainKey())) return new Decision.Refuse(RELAY_DENIED);
            if (tables.transports().get().lookup(r, true).orElse(null) instanceof Transport.Error(Reply reply)) return new Decision.Refuse(reply);
            return new Decision.Accept(List.of(r));
        }
        Map<String, Mailbox> out = new LinkedHashMap<>();
        Reply refusal = expand(r, 0, new HashSet<>(), out);
        if (refusal != null) return new Decision.Refuse(refusal);
        return new Decision.Accept(List.copyOf(out.values()));
    }

    private Mailbox postmaster() {
        if (rules.postmaster() != null) return rules.postmaster();
        String domain = rules.localDomains().stream().sorted().findFirst().orElse("");
        return domain.isEmpty() ? Mailbox.postmaster() : new Mailbox("postmaster", domain);
    }

    private static String key(Mailbox m) {
        return m.localPart().toLowerCase(Locale.ROOT) + "@" + m.domainKey();
    }

    /** Adds the final addresses of {@code m} to {@code out}; returns the refusal, or null when all is well. */
    private Reply expand(Mailbox m, int depth, Set<String> path, Map<String, Mailbox> out) {
        if (!isLocal(m)) {
            if (tables.transports().get().lookup(m, true).orElse(null) instanceof Transport.Error(Reply reply)) return reply;
            out.putIfAbsent(key(m), m);
            return out.size() > MAX_EXPANSION ? tooMany() : null;
        }
        if (!m.hasDomain()) return finalMailbox(postmaster(), out);
        if (depth > MAX_DEPTH || !path.add(key(m))) {
            return new Reply(550, "5.4.6", "Alias loop or expansion too deep for <" + m + ">");
        }
        try {
            if (tables.transports().get().lookup(m, false).orElse(null) instanceof Transport.Error(Reply reply)) return reply;
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

    private Reply expandAll(Mailbox m, List<Mailbox> targets, int depth, Set<String> path, Map<String, Mailbox> out) {
        for (Mailbox t : targets) {
            // An alias that names its own address means "and my own mailbox too" (aliases(5)).
            Reply r = key(t).equals(key(m)) ? finalMailbox(m, out) : expand(t, depth + 1, path, out);
            if (r != null) return r;
        }
        return null;
    }

    private boolean isMailbox(Mailbox m, String base) {
        LocalUsers users = tables.users().get();
        if (users.exists(m.localPart(), m.domain()) || (base != null && users.exists(base, m.domain()))) return true;
        // an explicit transport map entry for the address also makes it exist
        var t = tables.transports().get().lookup(m, false);
        return t.isPresent() && !(t.get() instanceof Transport.Error);
    }

    private static Reply finalMailbox(Mailbox m, Map<String, Mailbox> out) {
        out.putIfAbsent(key(m), m);
        return out.size() > MAX_EXPANSION ? tooMany() : null;
    }

    private static Reply tooMany() {
        return new Reply(550, "5.5.3", "Too many recipients in the alias expansion (more than " + MAX_EXPANSION + ")");
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
     * our mailboxes for a local domain, or {@code remote} (MX routing or the smarthost). The map's
     * {@code *} default is for mail leaving us, never for our own mailboxes.
     */
    public Transport transport(Mailbox rcpt, Transport remote) {
        boolean local = isLocal(rcpt);
        Optional<Transport> t = tables.transports().get().lookup(rcpt, !local);
        return t.orElseGet(() -> local ? new Transport.Local() : remote);
    }

    /** The part of a local address that names the mailbox: {@code user} of {@code user+tag@domain}. */
    public String mailboxName(Mailbox rcpt) {
        String base = baseLocalPart(rcpt.localPart());
        return base == null ? rcpt.localPart() : base;
    }
}

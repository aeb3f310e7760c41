package dev.facteur.store;

import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The suppression list: addresses that mail is no longer sent to, because they bounced hard,
 * complained, soft-bounced again and again, unsubscribed, or an operator said so; and the count of
 * each address's recent soft bounces, from which the policy decides. Every node of a cluster sees
 * the same entries: each operation is atomic across nodes. Times come in (clocks are injected);
 * an entry whose expiry has come is absent to every operation, whatever the store still keeps.
 * Failures are {@link StoreUnavailable}.
 *
 * <p><b>Scopes.</b> An entry belongs to a sender domain (it holds for the mail of that domain
 * only) or to {@link #GLOBAL} (for everyone's). {@link #find} gives the one that applies to a
 * message: the sender domain's, else the global one.
 *
 * <p><b>Case.</b> RFC 5321 §2.4 makes the local part case-sensitive, but receivers fold case in
 * practice, and a bounce may name the address in a case other than the one we sent to; an address
 * that bounced as {@code Alice@Example.org} must not be mailed as {@code alice@example.org}. So
 * addresses match without regard to case (the whole address folded with {@link Locale#ROOT}), and
 * an entry keeps the address as it was last given. Addresses are in their canonical form
 * ({@link AddressSyntax}: a quoted local part only when it must be).
 */
public interface SuppressionStore extends AutoCloseable {

    /** The scope of entries that hold for every sender domain. */
    String GLOBAL = "*";

    /** Entries a page holds at most. */
    int MAX_PAGE = 1000;

    /** Soft bounces kept per address and scope at most: the count stops there. */
    int MAX_SOFT_BOUNCES = 1000;

    /** Why an address is suppressed; {@link #token} is how it is written (configuration, admin API, stores). */
    enum Reason {
        /** A permanent failure that says the mailbox does not exist or never will take mail. */
        HARD_BOUNCE("hard-bounce"),
        /** The recipient reported the mail as spam (an ARF feedback report, RFC 5965). */
        COMPLAINT("complaint"),
        /** Too many temporary failures within the window. */
        SOFT_BOUNCES("soft-bounces"),
        /** The recipient asked to hear no more (RFC 8058 one-click, or a List-Unsubscribe mail). */
        UNSUBSCRIBE("unsubscribe"),
        /** An operator's decision. */
        MANUAL("manual");

        private final String token;

        Reason(String token) {
            this.token = token;
        }

        public String token() {
            return token;
        }

        /** The reason written {@code token}, or empty. */
        public static Optional<Reason> of(String token) {
            for (Reason r : values()) if (r.token.equals(token)) return Optional.of(r);
            return Optional.empty();
        }
    }

    /**
     * One address suppressed in one scope. Times are kept to the millisecond (what the stores
     * keep), and the scope lowercased.
     *
     * @param scope      a sender domain, or {@link #GLOBAL}
     * @param address    the address, as it was given
     * @param diagnostic what said so: the remote server's reply, the report, the operator's note
     * @param expires    the first instant at which the entry no longer holds; empty: never
     */
    record Entry(String scope, Mailbox address, Reason reason, String diagnostic, Instant created, Optional<Instant> expires) {
        public Entry {
            scope = SuppressionStore.validScope(scope);
            if (!address.hasDomain()) throw new IllegalArgumentException("an address without a domain: " + address);
            if (reason == null || diagnostic == null) throw new NullPointerException("reason and diagnostic");
            created = created.truncatedTo(ChronoUnit.MILLIS);
            expires = expires.map(t -> t.truncatedTo(ChronoUnit.MILLIS));
            if (expires.isPresent() && !expires.get().isAfter(created))
                throw new IllegalArgumentException("an entry expires after it is created");
        }

        /** Whether the entry holds at {@code now}. */
        public boolean holdsAt(Instant now) {
            return expires.isEmpty() || now.isBefore(expires.get());
        }

        /** The address as entries are matched: case folded. */
        public String key() {
            return SuppressionStore.key(address);
        }
    }

    /**
     * Part of a listing, in the order of scopes and then addresses (case folded).
     *
     * @param next where the following page starts ({@link #list}'s {@code after}); empty at the end.
     *             A page may hold fewer entries than asked for while more follow (expired entries
     *             take room that is not filled), and the last page may be empty.
     */
    record Page(List<Entry> entries, Optional<String> next) {
        public Page {
            entries = List.copyOf(entries);
        }
    }

    /** Adds {@code entry}, replacing whatever its scope held for the address. */
    void put(Entry entry);

    /** The entry that holds for {@code address} in exactly {@code scope}. */
    Optional<Entry> get(String scope, Mailbox address, Instant now);

    /** The entry that applies to mail from {@code senderDomain} to {@code address}: the domain's, else the global one. */
    Optional<Entry> find(Mailbox address, String senderDomain, Instant now);

    /** The entries that hold for {@code address} in every scope, in the order of scopes. */
    List<Entry> entries(Mailbox address, Instant now);

    /** Takes {@code address} out of {@code scope}; the entry that held there, if one did. */
    Optional<Entry> remove(String scope, Mailbox address, Instant now);

    /**
     * At most {@code limit} (1 to {@link #MAX_PAGE}) entries that hold at {@code now}, of one
     * scope or of all, from where the previous page ended ({@code after}: the {@link Page#next}
     * it gave, or "" for the start).
     */
    Page list(Optional<String> scope, String after, int limit, Instant now);

    /** The entries of {@code scope} that hold at {@code now}, per reason (every reason, 0 included). */
    Map<Reason, Long> count(String scope, Instant now);

    /**
     * Counts one soft bounce of {@code address} in {@code scope} at {@code now}; returns the soft
     * bounces of the last {@code window} ({@code now - window} excluded), this one included, at
     * most {@link #MAX_SOFT_BOUNCES}.
     */
    int softBounce(String scope, Mailbox address, Instant now, Duration window);

    /** Forgets {@code address}'s soft bounces in {@code scope} (it was suppressed for them, or delivered to). */
    void forgetSoftBounces(String scope, Mailbox address, Instant now);

    @Override
    void close();

    /** {@code scope} lowercased, when it is {@link #GLOBAL} or a domain name; else IllegalArgumentException. */
    static String validScope(String scope) {
        if (scope.equals(GLOBAL)) return scope;
        if (!AddressSyntax.isDomain(scope, true)) throw new IllegalArgumentException("not a sender domain or \"*\": " + scope);
        return scope.toLowerCase(Locale.ROOT);
    }

    /** {@code address} as entries are matched: the whole address, case folded. */
    static String key(Mailbox address) {
        return address.localPart().toLowerCase(Locale.ROOT) + "@" + address.domainKey();
    }
}

package dev.facteur.store;

import static dev.facteur.store.GreylistStoreContract.together;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.store.SuppressionStore.Entry;
import dev.facteur.store.SuppressionStore.Page;
import dev.facteur.store.SuppressionStore.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link SuppressionStore} does, as its javadoc says: entries per scope (a sender
 * domain, or everyone's), matched without regard to case, holding until they expire, listed in
 * pages, counted by reason; and the soft bounces of each address within a window. The in-memory
 * one, the embedded one and Redis; a subclass says how to open a fresh, empty store.
 */
public abstract class SuppressionStoreContract {

    protected static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    protected static final Duration YEAR = Duration.ofDays(365);
    protected static final Duration WEEK = Duration.ofDays(7);
    protected static final Mailbox ALICE = mailbox("alice@example.org");

    protected SuppressionStore store;

    /** A new store, empty, that no other test sees. */
    protected abstract SuppressionStore open() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = open();
    }

    @AfterEach
    void closeStore() {
        if (store != null) store.close();
    }

    protected static Mailbox mailbox(String address) {
        return AddressSyntax.tryParseMailbox(address, true).orElseThrow();
    }

    /** An entry made at T0 that lives {@code lifetime} (null: forever). */
    protected static Entry entry(String scope, Mailbox address, Reason reason, Duration lifetime) {
        return new Entry(scope, address, reason, "550 5.1.1 <" + address + ">: no such user", T0,
                Optional.ofNullable(lifetime).map(T0::plus));
    }

    /** Every entry of a listing in pages of {@code size}, and how many pages it took. */
    private record Listing(List<Entry> entries, int pages) {}

    private Listing all(Optional<String> scope, int size, Instant now) {
        List<Entry> out = new ArrayList<>();
        String after = "";
        int pages = 0;
        while (true) {
            Page p = store.list(scope, after, size, now);
            pages++;
            assertThat(p.entries()).hasSizeLessThanOrEqualTo(size);
            out.addAll(p.entries());
            if (p.next().isEmpty()) return new Listing(out, pages);
            assertThat(pages).as("the listing ends").isLessThan(10_000);
            after = p.next().get();
        }
    }

    @Test
    void anEntryHoldsForMailOfItsSenderDomainOnly() {
        store.put(entry("example.com", ALICE, Reason.HARD_BOUNCE, YEAR));
        assertThat(store.find(ALICE, "example.com", T0)).map(Entry::reason).contains(Reason.HARD_BOUNCE);
        assertThat(store.find(ALICE, "other.test", T0)).isEmpty();
        assertThat(store.find(mailbox("bob@example.org"), "example.com", T0)).as("another address").isEmpty();
    }

    @Test
    void aGlobalEntryHoldsForMailOfEverySenderDomain() {
        store.put(entry(SuppressionStore.GLOBAL, ALICE, Reason.COMPLAINT, null));
        assertThat(store.find(ALICE, "example.com", T0)).map(Entry::scope).contains("*");
        assertThat(store.find(ALICE, "other.test", T0)).map(Entry::scope).contains("*");
    }

    @Test
    void theSenderDomainsOwnEntryComesBeforeTheGlobalOne() {
        store.put(entry(SuppressionStore.GLOBAL, ALICE, Reason.MANUAL, null));
        store.put(entry("example.com", ALICE, Reason.HARD_BOUNCE, YEAR));
        assertThat(store.find(ALICE, "example.com", T0)).map(Entry::reason).contains(Reason.HARD_BOUNCE);
        assertThat(store.find(ALICE, "other.test", T0)).map(Entry::reason).contains(Reason.MANUAL);
        assertThat(store.find(ALICE, "example.com", T0.plus(YEAR))).as("once the domain's has expired, the global one")
                .map(Entry::reason).contains(Reason.MANUAL);
    }

    @Test
    void addressesMatchWhateverTheirCaseAndKeepTheCaseLastGiven() { // receivers fold case in practice, RFC 5321 §2.4 aside
        store.put(entry("example.com", mailbox("Alice@Example.ORG"), Reason.HARD_BOUNCE, YEAR));
        assertThat(store.find(ALICE, "example.com", T0)).map(e -> e.address().localPart()).contains("Alice");
        assertThat(store.find(mailbox("ALICE@example.org"), "example.com", T0)).isPresent();
        store.put(entry("example.com", mailbox("ALICE@example.org"), Reason.COMPLAINT, null));
        assertThat(store.entries(ALICE, T0)).singleElement().satisfies(e -> {
            assertThat(e.address().localPart()).isEqualTo("ALICE");
            assertThat(e.reason()).isEqualTo(Reason.COMPLAINT);
        });
    }

    @Test
    void scopesAreDomainNamesWhateverTheirCaseOrTheGlobalStar() {
        store.put(entry("Example.COM", ALICE, Reason.HARD_BOUNCE, YEAR));
        assertThat(store.find(ALICE, "EXAMPLE.com", T0)).map(Entry::scope).contains("example.com");
        for (String bad : List.of("", "a|b", "not a domain", "**", "-x.test"))
            assertThatThrownBy(() -> store.find(ALICE, bad, T0)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anEntryHoldsUntilItExpiresAndOneWithoutExpiryForever() {
        store.put(entry("example.com", ALICE, Reason.HARD_BOUNCE, YEAR));
        store.put(entry("example.com", mailbox("carol@example.org"), Reason.COMPLAINT, null));
        assertThat(store.find(ALICE, "example.com", T0.plus(YEAR).minusMillis(1))).isPresent();
        assertThat(store.find(ALICE, "example.com", T0.plus(YEAR))).as("expires: the first instant it no longer holds").isEmpty();
        assertThat(store.get("example.com", ALICE, T0.plus(YEAR))).isEmpty();
        assertThat(store.find(mailbox("carol@example.org"), "example.com", Instant.parse("2126-01-01T00:00:00Z"))).isPresent();
    }

    @Test
    void addingAgainReplacesTheEntryItsReasonAndExpiryIncluded() {
        store.put(entry("example.com", ALICE, Reason.HARD_BOUNCE, YEAR));
        Entry complaint = entry("example.com", ALICE, Reason.COMPLAINT, null);
        store.put(complaint);
        assertThat(store.get("example.com", ALICE, T0)).contains(complaint);
        assertThat(store.count("example.com", T0)).containsEntry(Reason.HARD_BOUNCE, 0L).containsEntry(Reason.COMPLAINT, 1L);
        assertThat(store.get("example.com", ALICE, T0.plus(YEAR.multipliedBy(2)))).as("the new entry never expires").isPresent();
        Entry shorter = entry("example.com", ALICE, Reason.SOFT_BOUNCES, WEEK);
        store.put(shorter);
        assertThat(store.get("example.com", ALICE, T0.plus(WEEK))).as("nor does the old one linger").isEmpty();
    }

    @Test
    void removeTakesTheEntryOutAndGivesItBack() {
        Entry e = entry("example.com", ALICE, Reason.HARD_BOUNCE, YEAR);
        store.put(e);
        store.put(entry(SuppressionStore.GLOBAL, ALICE, Reason.MANUAL, null));
        assertThat(store.remove("example.com", mailbox("ALICE@EXAMPLE.ORG"), T0)).contains(e);
        assertThat(store.get("example.com", ALICE, T0)).isEmpty();
        assertThat(store.remove("example.com", ALICE, T0)).as("nothing left there").isEmpty();
        assertThat(store.find(ALICE, "example.com", T0)).as("the global entry stays").map(Entry::reason).contains(Reason.MANUAL);
        assertThat(store.count("example.com", T0)).containsEntry(Reason.HARD_BOUNCE, 0L);
        assertThat(store.list(Optional.of("example.com"), "", 10, T0).entries()).isEmpty();
    }

    @Test
    void removingAnExpiredEntryGivesNothingBack() {
        store.put(entry("example.com", ALICE, Reason.SOFT_BOUNCES, WEEK));
        assertThat(store.remove("example.com", ALICE, T0.plus(WEEK))).isEmpty();
        assertThat(store.get("example.com", ALICE, T0)).as("but it is gone").isEmpty();
    }

    @Test
    void anAddressesEntriesInEveryScopeAreFoundInTheOrderOfScopes() {
        store.put(entry("other.test", ALICE, Reason.HARD_BOUNCE, YEAR));
        store.put(entry(SuppressionStore.GLOBAL, ALICE, Reason.COMPLAINT, null));
        store.put(entry("example.com", ALICE, Reason.SOFT_BOUNCES, WEEK));
        store.put(entry("example.com", mailbox("bob@example.org"), Reason.HARD_BOUNCE, YEAR));
        assertThat(store.entries(mailbox("Alice@example.org"), T0)).extracting(Entry::scope).containsExactly("*", "example.com", "other.test");
        store.remove("other.test", ALICE, T0);
        assertThat(store.entries(ALICE, T0)).extracting(Entry::scope).containsExactly("*", "example.com");
        assertThat(store.entries(ALICE, T0.plus(WEEK))).as("the soft bounces' entry has expired").extracting(Entry::scope)
                .containsExactly("*");
        assertThat(store.entries(mailbox("nobody@example.org"), T0)).isEmpty();
    }

    @Test
    void aListingPagesThroughMoreEntriesThanAPageEachOnceInOrder() {
        List<Entry> added = new ArrayList<>();
        for (String scope : List.of("example.com", "*", "other.test")) {
            for (int i = 0; i < 83; i++) {
                Entry e = entry(scope, mailbox("user" + i + "@example.org"), Reason.values()[i % 5], i % 2 == 0 ? null : YEAR);
                store.put(e);
                added.add(e);
            }
        }
        Listing all = all(Optional.empty(), 100, T0);
        assertThat(all.pages()).isBetween(3, 4);
        assertThat(all.entries()).containsExactlyElementsOf(added.stream()
                .sorted(Comparator.comparing(Entry::scope).thenComparing(Entry::key)).toList());
        Listing one = all(Optional.of("example.com"), 10, T0);
        assertThat(one.pages()).isBetween(9, 10);
        assertThat(one.entries()).hasSize(83).allMatch(e -> e.scope().equals("example.com")).isSortedAccordingTo(Comparator.comparing(Entry::key));
        assertThat(all(Optional.of("nothing.test"), 10, T0).entries()).isEmpty();
    }

    @Test
    void aListingLeavesOutExpiredEntries() {
        for (int i = 0; i < 40; i++) store.put(entry("example.com", mailbox("u" + i + "@example.org"), Reason.HARD_BOUNCE, i % 2 == 0 ? WEEK : YEAR));
        Listing later = all(Optional.of("example.com"), 7, T0.plus(WEEK));
        assertThat(later.entries()).hasSize(20).extracting(e -> e.expires().orElseThrow()).containsOnly(T0.plus(YEAR));
        assertThat(later.entries()).doesNotHaveDuplicates();
        assertThat(all(Optional.empty(), 1000, T0.plus(YEAR)).entries()).isEmpty();
    }

    @Test
    void aPageOfNoEntryOrMoreThanTheMostIsRefused() {
        assertThatThrownBy(() -> store.list(Optional.empty(), "", 0, T0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.list(Optional.empty(), "", SuppressionStore.MAX_PAGE + 1, T0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void countsAreOfTheEntriesOfOneScopeThatHoldByReason() { // the complaint and hard-bounce rates of a sender domain
        store.put(entry("example.com", mailbox("a@example.org"), Reason.HARD_BOUNCE, YEAR));
        store.put(entry("example.com", mailbox("b@example.org"), Reason.HARD_BOUNCE, WEEK));
        store.put(entry("example.com", mailbox("c@example.org"), Reason.COMPLAINT, null));
        store.put(entry("example.com", mailbox("d@example.org"), Reason.UNSUBSCRIBE, null));
        store.put(entry("other.test", mailbox("e@example.org"), Reason.HARD_BOUNCE, YEAR));
        store.put(entry(SuppressionStore.GLOBAL, mailbox("f@example.org"), Reason.MANUAL, null));
        assertThat(store.count("example.com", T0)).isEqualTo(Map.of(Reason.HARD_BOUNCE, 2L, Reason.COMPLAINT, 1L,
                Reason.UNSUBSCRIBE, 1L, Reason.SOFT_BOUNCES, 0L, Reason.MANUAL, 0L));
        assertThat(store.count("example.com", T0.plus(WEEK))).containsEntry(Reason.HARD_BOUNCE, 1L);
        assertThat(store.count("example.com", T0.plus(YEAR))).containsEntry(Reason.HARD_BOUNCE, 0L).containsEntry(Reason.COMPLAINT, 1L);
        assertThat(store.count(SuppressionStore.GLOBAL, T0)).containsEntry(Reason.MANUAL, 1L);
        assertThat(store.count("nothing.test", T0)).containsOnlyKeys(Reason.values()).allSatisfy((r, n) -> assertThat(n).isZero());
    }

    @Test
    void softBouncesCountWithinTheWindow() {
        Duration day = Duration.ofDays(1);
        assertThat(store.softBounce("example.com", ALICE, T0, WEEK)).isEqualTo(1);
        assertThat(store.softBounce("example.com", ALICE, T0.plus(day), WEEK)).isEqualTo(2);
        assertThat(store.softBounce("example.com", mailbox("ALICE@example.org"), T0.plus(day.multipliedBy(6)), WEEK)).isEqualTo(3);
        assertThat(store.softBounce("example.com", ALICE, T0.plus(WEEK), WEEK)).as("the one of a week ago is out").isEqualTo(3);
        assertThat(store.softBounce("example.com", ALICE, T0.plus(day.multipliedBy(20)), WEEK)).as("all the others too").isEqualTo(1);
        assertThat(store.softBounce("other.test", ALICE, T0, WEEK)).as("another scope").isEqualTo(1);
        assertThat(store.softBounce("example.com", mailbox("bob@example.org"), T0, WEEK)).as("another address").isEqualTo(1);
    }

    @Test
    void forgottenSoftBouncesCountFromNothingAgain() {
        store.softBounce("example.com", ALICE, T0, WEEK);
        store.softBounce("example.com", ALICE, T0, WEEK);
        store.forgetSoftBounces("example.com", ALICE, T0);
        assertThat(store.softBounce("example.com", ALICE, T0, WEEK)).isEqualTo(1);
    }

    @Test
    void manySoftBouncesAtOnceCountEachOnce() throws Exception {
        List<Integer> counts = together(100, () -> store.softBounce("example.com", ALICE, T0, WEEK));
        assertThat(counts).doesNotHaveDuplicates().allMatch(n -> n >= 1 && n <= 100);
        assertThat(store.softBounce("example.com", ALICE, T0, WEEK)).isEqualTo(101);
    }

    @Test
    void entriesComeBackAsTheyWent() {
        List<Entry> odd = List.of(
                new Entry("example.com", mailbox("\"john|doe @x\"@example.org"), Reason.MANUAL,
                        "said \"no\"\r\nin two lines, é and 🙂", T0.plusNanos(1_234_567), Optional.of(T0.plus(YEAR))),
                new Entry("exämple.com", mailbox("jöran@exämple.org"), Reason.UNSUBSCRIBE, "", T0, Optional.empty()),
                new Entry("*", mailbox("x=y+z@[192.0.2.1]"), Reason.COMPLAINT, "{\"v\":2}", T0, Optional.empty()));
        for (Entry e : odd) store.put(e);
        for (Entry e : odd) assertThat(store.get(e.scope(), e.address(), T0)).contains(e);
        assertThat(odd.getFirst().created()).as("kept to the millisecond").isEqualTo(T0.plusMillis(1));
        assertThat(all(Optional.empty(), 10, T0).entries()).containsExactlyInAnyOrderElementsOf(odd);
        assertThat(store.entries(mailbox("JÖRAN@exämple.org"), T0)).containsExactly(odd.get(1));
    }
}

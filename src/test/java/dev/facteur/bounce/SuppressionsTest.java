package dev.facteur.bounce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.bounce.Suppressions.Decision;
import dev.facteur.bounce.SuppressionSettings.Scope;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.store.MemorySuppressionStore;
import dev.facteur.store.SuppressionStore;
import dev.facteur.store.SuppressionStore.Entry;
import dev.facteur.store.SuppressionStore.Reason;
import dev.facteur.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The rules of the suppression list, one by one. */
class SuppressionsTest {

    private static final Mailbox ALICE = mailbox("alice@example.org");
    private static final String SENDER = "news.example.com";
    private static final Duration DAY = Duration.ofDays(1);

    private final ManualClock clock = ManualClock.stopped();
    private final Instant t0 = clock.instant();
    private final MemorySuppressionStore store = new MemorySuppressionStore();
    private Suppressions suppressions = new Suppressions(store, SuppressionSettings.DEFAULT, clock);

    private static Mailbox mailbox(String a) {
        return AddressSyntax.tryParseMailbox(a, true).orElseThrow();
    }

    private void with(SuppressionSettings settings) {
        suppressions = new Suppressions(store, settings, clock);
    }

    private static SuppressionSettings globally() {
        var d = SuppressionSettings.DEFAULT;
        return new SuppressionSettings(Scope.GLOBAL, d.hardBounceExpiry(), d.complaintExpiry(), d.softBounceLimit(), d.softBounceWindow(),
                d.softBounceExpiry());
    }

    private boolean mayMail(Mailbox to, String from) {
        return suppressions.check(to, from).isEmpty();
    }

    @Test
    void aHardBounceSuppressesTheAddressForTheSenderDomainForAYear() {
        var d = suppressions.bounced(ALICE, SENDER, BounceClass.HARD, "550 5.1.1 <alice@example.org>: Recipient address rejected");
        assertThat(d).isInstanceOfSatisfying(Decision.Suppressed.class, s -> {
            assertThat(s.entry().reason()).isEqualTo(Reason.HARD_BOUNCE);
            assertThat(s.entry().scope()).isEqualTo(SENDER);
            assertThat(s.entry().expires()).contains(t0.plus(Duration.ofDays(365)));
            assertThat(s.entry().diagnostic()).startsWith("550 5.1.1");
        });
        assertThat(mayMail(ALICE, SENDER)).isFalse();
        assertThat(mayMail(mailbox("ALICE@EXAMPLE.ORG"), SENDER)).as("whatever the case").isFalse();
        assertThat(mayMail(ALICE, "shop.example.com")).as("another sender domain still mails").isTrue();
        clock.advance(Duration.ofDays(365));
        assertThat(mayMail(ALICE, SENDER)).as("a year later").isTrue();
    }

    @Test
    void aComplaintSuppressesTheAddressForever() {
        suppressions.complained(ALICE, SENDER, "Feedback-Type: abuse");
        clock.advance(Duration.ofDays(3650));
        assertThat(suppressions.check(ALICE, SENDER)).map(Entry::reason).contains(Reason.COMPLAINT);
    }

    @Test
    void aComplaintInTheGlobalScopeSuppressesTheAddressForEverySenderDomain() {
        with(globally());
        suppressions.complained(ALICE, SENDER, "Feedback-Type: abuse");
        assertThat(mayMail(ALICE, SENDER)).isFalse();
        assertThat(mayMail(ALICE, "shop.example.com")).isFalse();
        assertThat(store.get(SuppressionStore.GLOBAL, ALICE, t0)).isPresent();
    }

    @Test
    void softBouncesBelowTheLimitAreOnlyCounted() {
        for (int i = 1; i <= 4; i++) {
            assertThat(suppressions.bounced(ALICE, SENDER, BounceClass.SOFT, "452 4.2.2 Mailbox full")).isEqualTo(new Decision.Counted(i, 5));
            clock.advance(DAY);
        }
        assertThat(mayMail(ALICE, SENDER)).isTrue();
    }

    @Test
    void fiveSoftBouncesWithinSevenDaysSuppressTheAddressForSevenDays() {
        for (int i = 0; i < 4; i++) {
            suppressions.bounced(ALICE, SENDER, BounceClass.SOFT, "452 4.2.2 Mailbox full");
            clock.advance(DAY.multipliedBy(3).dividedBy(2));
        }
        var d = suppressions.bounced(ALICE, SENDER, BounceClass.SOFT, "452 4.2.2 Mailbox full");
        assertThat(d).isInstanceOfSatisfying(Decision.Suppressed.class, s -> {
            assertThat(s.entry().reason()).isEqualTo(Reason.SOFT_BOUNCES);
            assertThat(s.entry().diagnostic()).isEqualTo("5 soft bounces within 7d, the last: 452 4.2.2 Mailbox full");
        });
        clock.advance(Duration.ofDays(7).minusMillis(1));
        assertThat(mayMail(ALICE, SENDER)).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(mayMail(ALICE, SENDER)).isTrue();
        assertThat(suppressions.bounced(ALICE, SENDER, BounceClass.SOFT, "452 4.2.2 Mailbox full"))
                .as("the count started again when the address was suppressed").isEqualTo(new Decision.Counted(1, 5));
    }

    @Test
    void fiveSoftBouncesSpreadOverMoreThanSevenDaysSuppressNothing() {
        for (int i = 0; i < 10; i++) {
            assertThat(suppressions.bounced(ALICE, SENDER, BounceClass.SOFT, "421 4.7.0 Try again later"))
                    .isInstanceOf(Decision.Counted.class);
            clock.advance(DAY.multipliedBy(2));
        }
        assertThat(mayMail(ALICE, SENDER)).isTrue();
    }

    @Test
    void theSoftBounceLimitWindowAndExpiryAreSettings() {
        with(new SuppressionSettings(Scope.SENDER_DOMAIN, Optional.empty(), Optional.empty(), 2, Duration.ofHours(1), Optional.of(DAY)));
        suppressions.bounced(ALICE, SENDER, BounceClass.SOFT, "451 4.3.0");
        clock.advance(Duration.ofMinutes(59));
        assertThat(suppressions.bounced(ALICE, SENDER, BounceClass.SOFT, "451 4.3.0")).isInstanceOfSatisfying(Decision.Suppressed.class,
                s -> assertThat(s.entry().expires()).contains(clock.instant().plus(DAY)));
    }

    @Test
    void aPolicyOrSizeRefusalSuppressesNothingTheMessageWasTheTrouble() {
        for (BounceClass c : new BounceClass[] {BounceClass.POLICY, BounceClass.TOO_LARGE, BounceClass.UNDETERMINED}) {
            assertThat(suppressions.bounced(ALICE, SENDER, c, "554 5.7.1 Message rejected as spam")).isEqualTo(new Decision.NotSuppressed(c));
        }
        assertThat(mayMail(ALICE, SENDER)).isTrue();
        assertThat(suppressions.bounced(ALICE, SENDER, BounceClass.SOFT, "x")).as("nor was a soft bounce counted")
                .isEqualTo(new Decision.Counted(1, 5));
    }

    @Test
    void anUnsubscribeSuppressesUntilAnOperatorRemovesIt() {
        suppressions.unsubscribed(ALICE, SENDER, "List-Unsubscribe-Post: List-Unsubscribe=One-Click");
        clock.advance(Duration.ofDays(3650));
        assertThat(suppressions.check(ALICE, SENDER)).map(Entry::reason).contains(Reason.UNSUBSCRIBE);
        assertThat(suppressions.remove(SENDER, ALICE)).isPresent();
        assertThat(mayMail(ALICE, SENDER)).isTrue();
    }

    @Test
    void aHardBounceDoesNotShortenAComplaint() {
        suppressions.complained(ALICE, SENDER, "Feedback-Type: abuse");
        var d = suppressions.bounced(ALICE, SENDER, BounceClass.HARD, "550 5.1.1");
        assertThat(d).isInstanceOfSatisfying(Decision.Suppressed.class, s -> assertThat(s.entry().reason()).isEqualTo(Reason.COMPLAINT));
        assertThat(store.count(SENDER, t0)).containsEntry(Reason.COMPLAINT, 1L).containsEntry(Reason.HARD_BOUNCE, 0L);
    }

    @Test
    void aLaterHardBounceExtendsTheSuppressionAndAComplaintOutlastsIt() {
        suppressions.bounced(ALICE, SENDER, BounceClass.HARD, "550 5.1.1 first");
        clock.advance(Duration.ofDays(100));
        suppressions.bounced(ALICE, SENDER, BounceClass.HARD, "550 5.1.1 again");
        assertThat(suppressions.check(ALICE, SENDER)).map(Entry::diagnostic).contains("550 5.1.1 again");
        suppressions.complained(ALICE, SENDER, "abuse");
        assertThat(suppressions.check(ALICE, SENDER)).map(Entry::reason).contains(Reason.COMPLAINT);
    }

    @Test
    void anOperatorsEntryReplacesWhateverWasThereAndTheirRemovalIsFinal() {
        suppressions.complained(ALICE, SENDER, "abuse");
        Entry manual = suppressions.suppress(SENDER, ALICE, Reason.MANUAL, "asked by phone", Optional.of(Duration.ofDays(30)));
        assertThat(suppressions.check(ALICE, SENDER)).contains(manual);
        suppressions.suppress(SuppressionStore.GLOBAL, ALICE, Reason.MANUAL, "everywhere", Optional.empty());
        assertThat(suppressions.remove(ALICE)).extracting(Entry::scope).containsExactly("*", SENDER);
        assertThat(mayMail(ALICE, SENDER)).isTrue();
    }

    @Test
    void aDiagnosticIsKeptOnOneLineAndShort() {
        String reply = "550-5.1.1 The email account that you tried to reach does not exist.\r\n550 5.1.1 " + "x".repeat(600);
        var d = (Decision.Suppressed) suppressions.bounced(ALICE, SENDER, BounceClass.HARD, reply);
        assertThat(d.entry().diagnostic()).startsWith("550-5.1.1 The email account that you tried to reach does not exist. 550 5.1.1 xxx")
                .hasSize(Suppressions.MAX_DIAGNOSTIC).doesNotContain("\r", "\n");
    }

    @Test
    void aSenderDomainMustBeADomain() {
        assertThatThrownBy(() -> suppressions.bounced(ALICE, "*", BounceClass.HARD, "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> suppressions.check(ALICE, "not a domain")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void settingsAreChecked() {
        var d = SuppressionSettings.DEFAULT;
        assertThatThrownBy(() -> new SuppressionSettings(Scope.GLOBAL, Optional.of(Duration.ZERO), Optional.empty(), 5, d.softBounceWindow(),
                d.softBounceExpiry())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SuppressionSettings(Scope.GLOBAL, Optional.empty(), Optional.empty(), 0, d.softBounceWindow(),
                d.softBounceExpiry())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SuppressionSettings(Scope.GLOBAL, Optional.empty(), Optional.empty(), 5, Duration.ZERO,
                d.softBounceExpiry())).isInstanceOf(IllegalArgumentException.class);
    }
}

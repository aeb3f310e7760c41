package dev.facteur.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.message.Schedule;
import dev.facteur.metrics.QueueState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The filters of {@code GET /api/queue} and the bulk commands, as docs/api.md states them. */
class QueueFilterTest {

    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

    private static Envelope message(String sender, Schedule schedule, Duration age, Recipient... recipients) {
        ReversePath from = sender.isEmpty() ? ReversePath.NULL : ReversePath.of(new Mailbox(sender.split("@")[0], sender.split("@")[1]));
        return new Envelope(new QueueId.Generator().next(), NOW.minus(age), from, List.of(recipients), -1, Body.SEVEN_BIT, false,
                null, null, new ClientInfo("127.0.0.1", "c", "ESMTP", ""), schedule);
    }

    private static Recipient pending(String local, String domain) {
        return Recipient.pending(new Mailbox(local, domain), Notify.DEFAULT, null);
    }

    private static QueueFilter filter(String query) {
        return QueueFilter.parse(Query.parse(query));
    }

    @Test
    void noParameterOrEmptyOnesMatchEverything() {
        assertThat(filter("").isEmpty()).isTrue();
        assertThat(filter("state=&domain=&sender=&older_than=&newer_than=").isEmpty()).as("a form sends its empty fields").isTrue();
        assertThat(filter("state=held").isEmpty()).isFalse();
    }

    @Test
    void stateIsActiveUntilTriedDeferredAfterAndHeldWhateverTheAttempts() {
        var fresh = message("a@x.test", Schedule.NEW, Duration.ZERO, pending("b", "y.test"));
        var tried = message("a@x.test", new Schedule(2, NOW.plusSeconds(60), false, false), Duration.ZERO, pending("b", "y.test"));
        var held = message("a@x.test", new Schedule(2, null, true, false), Duration.ZERO, pending("b", "y.test"));
        assertThat(filter("state=active").at(NOW)).accepts(fresh).rejects(tried, held);
        assertThat(filter("state=deferred").at(NOW)).accepts(tried).rejects(fresh, held);
        assertThat(filter("state=held").at(NOW)).accepts(held).rejects(fresh, tried);
        assertThat(filter("state=held").state()).isEqualTo(QueueState.HELD);
    }

    @Test
    void domainIsAnyPendingRecipientsInAnyCase() {
        var done = new Recipient(new Mailbox("c", "Done.test"), Notify.DEFAULT, null, Recipient.State.DELIVERED);
        var m = message("a@x.test", Schedule.NEW, Duration.ZERO, done, pending("b", "Example.ORG"));
        assertThat(filter("domain=example.org").at(NOW)).accepts(m);
        assertThat(filter("domain=EXAMPLE.org").at(NOW)).accepts(m);
        assertThat(filter("domain=done.test").at(NOW)).as("delivered already: nothing waits there").rejects(m);
        assertThat(filter("domain=x.test").at(NOW)).as("the sender's domain is not a destination").rejects(m);
    }

    @Test
    void senderIsAWholeAddressOrADomainOrTheNullSender() {
        var m = message("Alice@Shop.test", Schedule.NEW, Duration.ZERO, pending("b", "y.test"));
        var bounce = message("", Schedule.NEW, Duration.ZERO, pending("b", "y.test"));
        assertThat(filter("sender=alice@shop.test").at(NOW)).accepts(m).rejects(bounce);
        assertThat(filter("sender=@SHOP.test").at(NOW)).accepts(m).rejects(bounce);
        assertThat(filter("sender=bob@shop.test").at(NOW)).rejects(m);
        assertThat(filter("sender=%40op.test").at(NOW)).as("a domain, not a suffix").rejects(m);
        assertThat(filter("sender=%3C%3E").at(NOW)).accepts(bounce).rejects(m);
    }

    @Test
    void agesCountFromNow() {
        var old = message("a@x.test", Schedule.NEW, Duration.ofHours(3), pending("b", "y.test"));
        var young = message("a@x.test", Schedule.NEW, Duration.ofMinutes(10), pending("b", "y.test"));
        assertThat(filter("older_than=2h").at(NOW)).accepts(old).rejects(young);
        assertThat(filter("newer_than=15m").at(NOW)).accepts(young).rejects(old);
        assertThat(filter("older_than=5m&newer_than=1d").at(NOW)).accepts(old, young);
        assertThat(filter("older_than=3h").at(NOW)).as("exactly that old").accepts(old);
        assertThat(QueueFilter.age("x", "30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(QueueFilter.age("x", "3d")).isEqualTo(Duration.ofDays(3));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "state=frozen           | state: active, deferred or held, not frozen",
            "state=HELD             | state: active, deferred or held, not HELD",
            "older_than=2           | older_than: an age such as 30s, 15m, 2h or 3d, not 2",
            "newer_than=1w          | newer_than: an age such as 30s, 15m, 2h or 3d, not 1w",
            "older_than=-1h         | older_than: an age such as 30s, 15m, 2h or 3d, not -1h",
            "sender=alice           | sender: an address, @domain, or <> for the null sender, not alice",
            "domain=bob@example.org | domain: a domain name, not bob@example.org",
            "state=held&state=active | state: given more than once",
    })
    void aBadValueIsRefusedNamingTheParameter(String query, String message) {
        assertThatThrownBy(() -> filter(query)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "limit=0      | limit: 1 to 1000, not 0",
            "limit=1001   | limit: 1 to 1000, not 1001",
            "limit=ten    | limit: 1 to 1000, not ten",
            "cursor=nope  | cursor: not one this server gave: nope",
            "domian=x.org | domian: unknown parameter (cursor, domain, limit, newer_than, older_than, sender, state)",
    })
    void aListingRefusesBadPagingAndUnknownParameters(String query, String message) { // a misspelt filter must not widen the match
        assertThatThrownBy(() -> Listing.parse(Query.parse(query))).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void aListingHasAHundredByDefault() {
        assertThat(Listing.parse(Query.parse("")).limit()).isEqualTo(100);
        assertThat(Listing.parse(Query.parse("limit=1000")).limit()).isEqualTo(1000);
    }
}

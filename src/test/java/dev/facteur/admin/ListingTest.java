package dev.facteur.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.message.Schedule;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.Spool;
import dev.facteur.spool.StoredMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Paging through the queue with cursors: oldest first, and while mail comes and goes between
 * pages no message is shown twice and none that stayed is missed.
 */
class ListingTest {

    @TempDir
    Path dir;
    private Spool spool;
    private final QueueId.Generator ids = new QueueId.Generator();
    private static final Instant NOW = Instant.now();

    @BeforeEach
    void open() throws IOException {
        spool = LogSpool.open(dir.resolve("spool"));
    }

    @AfterEach
    void close() throws IOException {
        spool.close();
    }

    private QueueId add(String domain, boolean held) throws IOException {
        QueueId id = ids.next();
        try (Spool.Draft d = spool.draft(id)) {
            d.content().write("Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
            d.commit(new Envelope(id, NOW, ReversePath.of(new Mailbox("a", "shop.test")),
                    List.of(Recipient.pending(new Mailbox("b", domain), Notify.DEFAULT, null)), -1, Body.SEVEN_BIT, false, null, null,
                    new ClientInfo("127.0.0.1", "c", "ESMTP", ""), new Schedule(0, null, held, false)));
        }
        return id;
    }

    private static Listing listing(String query) {
        return Listing.parse(Query.parse(query));
    }

    private static List<QueueId> ids(Listing.Page p) {
        return p.messages().stream().map(m -> m.envelope().id()).toList();
    }

    @Test
    void pagesFollowEachOtherOldestFirstAndTheLastSaysItIsTheLast() throws IOException {
        List<QueueId> all = new ArrayList<>();
        for (int i = 0; i < 25; i++) all.add(add("y.test", false));
        List<QueueId> seen = new ArrayList<>();
        Listing.Page p = listing("limit=10").read(spool, NOW);
        List<Integer> sizes = new ArrayList<>();
        while (true) {
            seen.addAll(ids(p));
            sizes.add(p.messages().size());
            if (p.next() == null) break;
            p = listing("limit=10&cursor=" + p.next().text()).read(spool, NOW);
        }
        assertThat(seen).containsExactlyElementsOf(all);
        assertThat(sizes).containsExactly(10, 10, 5);
    }

    @Test
    void aPageThatEndsTheQueueExactlyHasNoCursor() throws IOException {
        for (int i = 0; i < 10; i++) add("y.test", false);
        assertThat(listing("limit=10").read(spool, NOW).next()).isNull();
        assertThat(listing("limit=9").read(spool, NOW).next()).isNotNull();
    }

    @Test
    void theFilterIsAppliedBeforeTheLimit() throws IOException {
        List<QueueId> held = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            QueueId id = add("y.test", i % 3 == 0);
            if (i % 3 == 0) held.add(id);
        }
        Listing.Page first = listing("state=held&limit=4").read(spool, NOW);
        Listing.Page second = listing("state=held&limit=4&cursor=" + first.next().text()).read(spool, NOW);
        assertThat(ids(first)).containsExactlyElementsOf(held.subList(0, 4));
        assertThat(ids(second)).containsExactlyElementsOf(held.subList(4, 8));
    }

    @Test
    void whileMailComesAndGoesNoMessageIsSeenTwiceAndNoneThatStayedIsMissed() throws IOException {
        Random random = new Random(15);
        Set<QueueId> queued = new LinkedHashSet<>();
        for (int i = 0; i < 600; i++) queued.add(add("y.test", false));
        Set<QueueId> stayed = new HashSet<>(queued);
        List<QueueId> seen = new ArrayList<>();
        Listing.Page p = listing("limit=97").read(spool, NOW);
        while (true) {
            seen.addAll(ids(p));
            // between pages: some delivered (removed), on either side of the cursor, and new mail arrives
            for (int k = 0; k < 20; k++) {
                List<QueueId> now = new ArrayList<>(queued);
                QueueId gone = now.get(random.nextInt(now.size()));
                spool.remove(gone);
                queued.remove(gone);
                stayed.remove(gone);
            }
            for (int k = 0; k < 15; k++) queued.add(add("y.test", false));
            if (p.next() == null) break;
            p = listing("limit=97&cursor=" + p.next().text()).read(spool, NOW);
        }
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(seen).containsAll(stayed);
        assertThat(seen).isSorted();
    }

    @Test
    void aPageOfAHugeIndexReadsOnlyThePage() throws IOException {
        // a spool that counts what is read from it: a page must not copy the whole queue
        List<StoredMessage> read = new ArrayList<>();
        Spool counting = new CountingSpool(spool, read);
        for (int i = 0; i < 1_500; i++) add("y.test", false);
        Listing.Page first = listing("limit=50").read(counting, NOW);
        read.clear();
        listing("limit=50&cursor=" + first.next().text()).read(counting, NOW);
        assertThat(read).hasSize(51); // the page, and one to know there is more
    }
}

/** A spool that passes everything on, and notes each message read through {@link #messagesAfter}. */
final class CountingSpool implements Spool {
    private final Spool spool;
    private final List<StoredMessage> read;

    CountingSpool(Spool spool, List<StoredMessage> read) {
        this.spool = spool;
        this.read = read;
    }

    @Override
    public Stream<StoredMessage> messagesAfter(QueueId after) {
        return spool.messagesAfter(after).peek(read::add);
    }

    @Override
    public Draft draft(QueueId id) throws IOException {
        return spool.draft(id);
    }

    @Override
    public List<StoredMessage> messages() {
        throw new AssertionError("a page must not copy the whole queue");
    }

    @Override
    public Optional<StoredMessage> find(QueueId id) {
        return spool.find(id);
    }

    @Override
    public InputStream openContent(QueueId id) throws IOException {
        return spool.openContent(id);
    }

    @Override
    public void update(Envelope envelope) throws IOException {
        spool.update(envelope);
    }

    @Override
    public void remove(QueueId id) throws IOException {
        spool.remove(id);
    }

    @Override
    public void commit(List<Change> changes) throws IOException {
        spool.commit(changes);
    }

    @Override
    public void close() {}
}

package dev.facteur.events;

import dev.facteur.events.LogReader.Batch;
import dev.facteur.events.LogReader.Line;
import dev.facteur.events.WebhookClient.Answer;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts the event log to the webhook, batch after batch, on a virtual thread of its own: the log
 * is its outbox and {@link Cursor} its place in it, so nothing is lost while the receiver is down,
 * however long, short of the log's hard cap, and {@code emit} never waits for it.
 *
 * <p>A batch is up to {@code batchSize} events from the cursor, as a JSON array, signed
 * ({@link Signature}). The cursor moves past a batch, and is saved, only once the receiver
 * answered 2xx: delivery is at least once, and a crash between the answer and the save sends that
 * one batch again. Anything else is tried again, the same batch, after a wait that doubles from
 * {@code firstRetry} to {@code maxRetry} (with jitter; longer if the receiver asks so with
 * {@code Retry-After}).
 *
 * <p>A 4xx (other than 408 and 429) is the receiver refusing the batch. It is tried again too,
 * with the same backoff: the likely causes (a secret changed on one side only, a receiver deployed
 * with a bug) are fixed by a person, after which every event kept is still there to send, whereas
 * skipping the batch would lose those events for good, silently for the application. The
 * exception is 413 (too large): the batch is halved, down to one event, for the rest of the run.
 *
 * <p>Operators hear of trouble twice: once when the webhook starts failing, once when it receives
 * again, each time with the backlog; not at each retry.
 */
final class WebhookSender implements AutoCloseable {

    /** The largest body, whatever the batch size: a receiver's request limit is often a megabyte or a few. */
    static final int MAX_BODY_BYTES = 1 << 20;
    private static final Logger log = LoggerFactory.getLogger("facteur.events");
    private static final long LOOK_AGAIN_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final Duration CLOSE_GRACE = Duration.ofSeconds(2);

    private final EventLog eventLog;
    private final LogReader reader;
    private final Cursor cursor;
    private final WebhookClient client;
    private final WebhookSettings settings;
    private final Backoff backoff;
    private final Environment env;
    private final CountDownLatch closing = new CountDownLatch(1);
    /** The first event not yet acknowledged: the log keeps the files from here on. */
    private volatile Position acknowledged;
    private volatile boolean closed;
    private Thread thread;

    // The sender thread's.
    private int batchLimit;
    private int failures;
    private Instant failingSince;
    private boolean cursorFailing;

    private WebhookSender(EventLog eventLog, Cursor cursor, WebhookSettings settings, Environment env, Position from) {
        this.eventLog = eventLog;
        this.reader = new LogReader(eventLog);
        this.cursor = cursor;
        this.client = new WebhookClient(settings.url(), settings.timeout());
        this.settings = settings;
        this.backoff = new Backoff(settings.firstRetry(), settings.maxRetry());
        this.env = env;
        this.acknowledged = from;
        this.batchLimit = settings.batchSize();
    }

    /**
     * Starts posting {@code eventLog} from its saved cursor. The first time (no cursor yet) it
     * starts at the log's end, and saves that: a webhook added to a server whose log holds months
     * of events gets the events from then on, not all of them.
     */
    static WebhookSender start(EventLog eventLog, WebhookSettings settings, Environment env) throws IOException {
        var cursor = new Cursor(eventLog.files().dir(), env.disk());
        Position from = startingPoint(eventLog, cursor);
        var sender = new WebhookSender(eventLog, cursor, settings, env, from);
        eventLog.readFrom(() -> sender.acknowledged);
        log.info("events: posting to webhook {} from file {} offset {}; backlog {}", settings.url(), from.file(), from.offset(),
                sender.reader.backlog(from));
        sender.thread = Thread.ofVirtual().name("events-webhook").start(sender::run);
        return sender;
    }

    private static Position startingPoint(EventLog eventLog, Cursor cursor) throws IOException {
        Optional<Position> saved = cursor.saved();
        Position end = eventLog.end();
        if (saved.isPresent() && !saved.get().isAfter(end)) return saved.get();
        if (saved.isPresent()) {
            log.warn("events: the webhook's cursor {} is past the end of the log ({}): the log was replaced; sending from its oldest event",
                    saved.get(), end);
            return new Position(eventLog.oldestFile(), 0);
        }
        if (cursor.exists()) return new Position(eventLog.oldestFile(), 0); // unreadable: sending twice is better than losing
        cursor.save(end);
        return end;
    }

    private void run() {
        while (!closed) {
            Batch batch;
            try {
                batch = reader.read(acknowledged, batchLimit, MAX_BODY_BYTES);
            } catch (IOException | RuntimeException e) {
                failed("cannot read the event log: " + e, Optional.empty());
                continue;
            }
            if (!batch.lines().isEmpty()) {
                send(batch);
            } else if (batch.next().isAfter(acknowledged)) {
                acknowledged = batch.next(); // past a finished old file or damaged lines: saved with the next batch
            } else {
                try {
                    eventLog.awaitBeyond(acknowledged, LOOK_AGAIN_NANOS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Posts {@code batch} until the receiver takes it (or a 413 makes it smaller), or the sender closes. */
    private void send(Batch batch) {
        List<Line> sending = batch.lines();
        while (!closed) {
            byte[] body = body(sending);
            Answer answer;
            try {
                answer = client.post(body, Signature.header(settings.secret(), env.clock().instant().getEpochSecond(), body));
            } catch (InterruptedException e) {
                return;
            }
            switch (answer) {
                case Answer.Accepted ok -> {
                    // the whole batch: past the damaged lines skipped after its last event too
                    acknowledge(sending.size() == batch.lines().size() ? batch.next() : sending.getLast().end());
                    return;
                }
                case Answer.Refused r -> {
                    if (closed) return;
                    if (r.status() == 413 && sending.size() > 1) { // too large: smaller batches, at once
                        log.info("events: webhook {} answered 413 to {} events: sending {} at a time from now on", settings.url(),
                                sending.size(), sending.size() / 2);
                        batchLimit = sending.size() / 2;
                        sending = sending.subList(0, batchLimit);
                        continue;
                    }
                    failed("refused with HTTP " + r.status() + (r.body().isEmpty() ? "" : " (" + r.body() + ")")
                            + ": trying again all the same, since dropping the events would lose them for good", Optional.empty());
                }
                case Answer.Failed f -> {
                    if (closed) return;
                    failed(f.why(), f.retryAfter());
                }
            }
        }
    }

    private static byte[] body(List<Line> lines) {
        int length = 1 + lines.size();
        for (Line l : lines) length += l.json().length;
        byte[] body = new byte[length];
        body[0] = '[';
        int at = 1;
        for (Line l : lines) {
            if (at > 1) body[at++] = ',';
            System.arraycopy(l.json(), 0, body, at, l.json().length);
            at += l.json().length;
        }
        body[at] = ']';
        return body;
    }

    /** The receiver has everything before {@code p}: move the cursor there, and save it. */
    private void acknowledge(Position p) {
        acknowledged = p;
        try {
            cursor.save(p);
            if (cursorFailing) log.info("events: saving the webhook's cursor again");
            cursorFailing = false;
        } catch (IOException e) {
            if (!cursorFailing) log.error("events: cannot save the webhook's cursor: {}; sending goes on, but a restart would"
                    + " send again what was sent since", e.toString());
            cursorFailing = true;
        }
        if (failures > 0) {
            log.info("events: webhook {} receiving again after {} failed attempts since {}; backlog {}", settings.url(), failures,
                    failingSince, backlog());
            failures = 0;
        }
    }

    /** One more failure in a row: says so if it is the first, then waits before the next attempt. */
    private void failed(String why, Optional<Duration> retryAfter) {
        if (failures++ == 0) {
            failingSince = env.clock().instant();
            log.warn("events: webhook {} failing: {}; trying again after {} and waits doubling up to {}, the events are kept;"
                    + " backlog {}", settings.url(), why, settings.firstRetry(), settings.maxRetry(), backlog());
        }
        Duration wait = backoff.after(failures, env.random());
        if (retryAfter.isPresent()) {
            Duration asked = retryAfter.get().compareTo(settings.maxRetry()) > 0 ? settings.maxRetry() : retryAfter.get();
            if (asked.compareTo(wait) > 0) wait = asked;
        }
        try {
            closing.await(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String backlog() {
        try {
            return reader.backlog(acknowledged).toString();
        } catch (IOException | RuntimeException e) {
            return "unknown (" + e + ")";
        }
    }

    /** Where the receiver has got to (for tests). */
    Position acknowledged() {
        return acknowledged;
    }

    /**
     * Stops sending. A post under way is given up to {@link #CLOSE_GRACE} (or its timeout, if
     * shorter) to be answered, so that a restart does not send its batch again; then it is cut
     * off, and its batch is sent again at the next start.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        closing.countDown();
        eventLog.wakeReaders();
        try {
            if (!thread.join(settings.timeout().compareTo(CLOSE_GRACE) < 0 ? settings.timeout() : CLOSE_GRACE)) {
                client.close(); // cancels the post
                if (!thread.join(Duration.ofSeconds(1))) {
                    thread.interrupt(); // a post the client did not cancel; at worst a cursor save is cut short, and its batch sent again
                    thread.join(Duration.ofSeconds(5));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            client.close();
        }
    }
}

package dev.facteur.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Mailbox;
import dev.facteur.message.ReversePath;
import dev.facteur.smtp.Reply;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MaildirDeliveryTest {

    private static final ReversePath ALICE = ReversePath.of(new Mailbox("alice", "example.org"));
    private static final Mailbox BOB = new Mailbox("Bob", "Example.NET");
    private static final String MESSAGE = "From: Alice <alice@example.org>\r\nSubject: hello\r\n\r\nHi Bob.\r\n";

    @TempDir
    Path dir;

    private MaildirDelivery delivery(long quota) {
        return new MaildirDelivery(dir + "/mail/{domain}/{user}", quota);
    }

    private static MaildirDelivery.Content content(String message) {
        return () -> new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8));
    }

    private static List<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    private Path bobsMaildir() {
        return dir.resolve("mail/example.net/bob"); // lower-cased
    }

    @Test
    void deliveryPutsReturnPathAndDeliveredToAboveTheMessage() throws IOException { // RFC 5321 §4.4
        Reply reply = delivery(0).deliver(ALICE, BOB, content(MESSAGE));

        assertThat(reply.code()).isEqualTo(250);
        assertThat(reply.enhanced()).isEqualTo("2.0.0");
        List<Path> delivered = files(bobsMaildir().resolve("new"));
        assertThat(delivered).hasSize(1);
        assertThat(Files.readString(delivered.getFirst())).isEqualTo("""
                Return-Path: <alice@example.org>
                Delivered-To: Bob@Example.NET
                From: Alice <alice@example.org>
                Subject: hello

                Hi Bob.
                """);
        assertThat(files(bobsMaildir().resolve("tmp"))).isEmpty();
    }

    @Test
    void bouncesHaveAnEmptyReturnPath() throws IOException { // RFC 5321 §4.5.5
        delivery(0).deliver(ReversePath.NULL, BOB, content(MESSAGE));
        assertThat(Files.readString(files(bobsMaildir().resolve("new")).getFirst())).startsWith("Return-Path: <>\n");
    }

    @Test
    void ourOwnDeliveredToForThisRecipientIsAForwardingLoop() throws IOException { // RFC 5321 §6.3
        String looped = "Delivered-To: someone@example.org\r\nDelivered-To:\r\n bob@example.net\r\n" + MESSAGE;

        Reply reply = delivery(0).deliver(ALICE, BOB, content(looped));

        assertThat(reply.toString()).isEqualTo("554 5.4.6 Mail forwarding loop for <Bob@Example.NET>");
        assertThat(files(bobsMaildir().resolve("new"))).isEmpty();
    }

    @Test
    void deliveredToForSomeoneElseOrInTheBodyIsNoLoop() throws IOException {
        String forwarded = "Delivered-To: bob@example.org\r\n" + MESSAGE + "\r\nDelivered-To: bob@example.net\r\n";
        assertThat(delivery(0).deliver(ALICE, BOB, content(forwarded)).code()).isEqualTo(250);
    }

    @Test
    void aFullMailboxIsATemporaryFailureUntilMailIsRemoved() throws IOException { // RFC 3463 X.2.2
        var delivery = delivery(300);
        assertThat(delivery.deliver(ALICE, BOB, content(MESSAGE)).code()).isEqualTo(250); // 119 bytes each
        assertThat(delivery.deliver(ALICE, BOB, content(MESSAGE)).code()).isEqualTo(250);

        Reply full = delivery.deliver(ALICE, BOB, content(MESSAGE));
        assertThat(full.toString()).isEqualTo("452 4.2.2 Mailbox full");
        assertThat(full.isPermanent()).isFalse();
        assertThat(files(bobsMaildir().resolve("new"))).hasSize(2);
        assertThat(files(bobsMaildir().resolve("tmp"))).isEmpty();

        Files.delete(files(bobsMaildir().resolve("new")).getFirst()); // the user reads and deletes one
        assertThat(delivery.deliver(ALICE, BOB, content(MESSAGE)).code()).isEqualTo(250);
    }

    @Test
    void theQuotaCountsTheMessageAsStored() { // with Return-Path and Delivered-To, LF line ends: 119 bytes
        assertThat(delivery(119).deliver(ALICE, BOB, content(MESSAGE)).code()).isEqualTo(250);
        assertThat(delivery(118).deliver(ALICE, new Mailbox("carol", "example.net"), content(MESSAGE)).code())
                .isEqualTo(552);
    }

    @Test
    void aMessageLargerThanTheWholeQuotaIsRefusedForGood() throws IOException { // it could never fit
        String big = MESSAGE + "x".repeat(400) + "\r\n";

        Reply reply = delivery(300).deliver(ALICE, BOB, content(big));

        assertThat(reply.toString()).isEqualTo("552 5.2.2 Message larger than the mailbox quota");
        assertThat(reply.isPermanent()).isTrue();
        assertThat(files(bobsMaildir().resolve("new"))).isEmpty();
        assertThat(files(bobsMaildir().resolve("tmp"))).isEmpty();
    }

    @Test
    void aMessageLargerThanTheWholeQuotaIsRefusedForGoodEvenWhenTheMailboxIsFull() {
        var delivery = delivery(240);
        assertThat(delivery.deliver(ALICE, BOB, content(MESSAGE)).code()).isEqualTo(250); // 119 bytes each
        assertThat(delivery.deliver(ALICE, BOB, content(MESSAGE)).code()).isEqualTo(250);

        assertThat(delivery.deliver(ALICE, BOB, content(MESSAGE + "x".repeat(200))).code()).isEqualTo(552);
        assertThat(delivery.deliver(ALICE, BOB, content(MESSAGE)).code()).isEqualTo(452); // 1 byte left: later
    }

    @Test
    void theLoopCheckReadsAHugeHeaderLineOnlyUpToItsLimit() throws IOException {
        String huge = "Subject: " + "x".repeat(3 * HeaderSection.MAX_BYTES) + "\r\n\r\nbody\r\n";
        List<CountingInputStream> opened = new CopyOnWriteArrayList<>();
        MaildirDelivery.Content content = () -> {
            var in = new CountingInputStream(new ByteArrayInputStream(huge.getBytes(StandardCharsets.US_ASCII)));
            opened.add(in);
            return in;
        };

        assertThat(delivery(0).deliver(ALICE, BOB, content).code()).isEqualTo(250);

        assertThat(opened).hasSize(2); // the loop check, then the delivery
        assertThat(opened.getFirst().bytesRead).isLessThanOrEqualTo(HeaderSection.MAX_BYTES + 8192);
        assertThat(opened.getLast().bytesRead).isEqualTo(huge.length());
    }

    @ParameterizedTest
    @ValueSource(strings = {".profile", "..", "../../etc", "a/b", "x\0y"})
    void localPartsThatAreNotAPlainFileNameAreRefused(String localPart) throws IOException {
        Reply reply = delivery(0).deliver(ALICE, new Mailbox(localPart, "example.net"), content(MESSAGE));

        assertThat(reply.code()).isEqualTo(553);
        assertThat(reply.enhanced()).isEqualTo("5.1.3");
        assertThat(files(dir)).isEmpty(); // nothing written anywhere
    }

    @Test
    void domainsThatAreNotAPlainFileNameAreRefused() throws IOException {
        for (String domain : List.of("", "..", ".example.net")) {
            Reply reply = delivery(0).deliver(ALICE, new Mailbox("bob", domain), content(MESSAGE));
            assertThat(reply.isPermanent()).as(domain).isTrue();
        }
        assertThat(files(dir)).isEmpty();
    }

    @Test
    void aPlaceholderInsideALocalPartIsJustText() {
        var mailbox = new MaildirDelivery("/var/mail/{domain}/{user}", 0)
                .maildirOf(new Mailbox("{domain}", "example.net"));
        assertThat(mailbox).contains(Path.of("/var/mail/example.net/{domain}"));
    }

    @Test
    void ioErrorsAreTemporaryFailuresWithTheReason() throws IOException {
        Files.createDirectories(dir.resolve("mail/example.net"));
        Files.writeString(bobsMaildir(), "a file where the Maildir should be");
        Reply blocked = delivery(0).deliver(ALICE, BOB, content(MESSAGE));
        assertThat(blocked.code()).isEqualTo(451);
        assertThat(blocked.enhanced()).isEqualTo("4.3.0");
        assertThat(blocked.lines().getFirst()).contains("FileAlreadyExistsException");

        Reply unreadable = delivery(0).deliver(ALICE, new Mailbox("carol", "example.net"), () -> {
            throw new IOException("spool segment 7 unreadable");
        });
        assertThat(unreadable.toString()).isEqualTo("451 4.3.0 Maildir delivery failed: IOException: spool segment 7 unreadable");
    }

    @Test
    void fiftyConcurrentDeliveriesMakeFiftyFiles() throws Exception {
        var delivery = delivery(0);
        List<Future<Reply>> replies = new ArrayList<>();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 50; i++) {
                String message = "Subject: message " + i + "\r\n\r\nbody " + i + "\r\n";
                replies.add(threads.submit(() -> delivery.deliver(ALICE, BOB, content(message))));
            }
        }
        for (var reply : replies) assertThat(reply.get().code()).isEqualTo(250);

        List<Path> delivered = files(bobsMaildir().resolve("new"));
        assertThat(delivered).hasSize(50);
        var bodies = new HashSet<String>();
        for (Path file : delivered) bodies.add(Files.readString(file));
        assertThat(bodies).hasSize(50);
        assertThat(files(bobsMaildir().resolve("tmp"))).isEmpty();
    }
}

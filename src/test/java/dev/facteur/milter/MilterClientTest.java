package dev.facteur.milter;

import static dev.facteur.milter.FakeFilter.CONTINUE;
import static dev.facteur.milter.FakeFilter.options;
import static dev.facteur.milter.FakeFilter.packet;
import static dev.facteur.milter.FakeFilter.str;
import static dev.facteur.milter.FakeFilter.uint32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.milter.FakeFilter.Packet;
import dev.facteur.milter.MilterException.Kind;
import dev.facteur.net.HostPort;
import dev.facteur.smtp.Reply;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a scripted filter: what goes on the wire at each event, how each answer is
 * read, and what a filter that misbehaves gets us (a {@link MilterException}, never a hang).
 * Packet layouts are libmilter's (mfdef.h) and what Postfix's milter8.c sends.
 */
class MilterClientTest {

    /** Timeouts no exchange reaches unless the client waits for what will never come: then the test fails, it does not hang. */
    static final MilterSettings SETTINGS = MilterSettings.DEFAULT.withTimeouts(Patience.EVENT, Patience.EVENT, Patience.EVENT);

    static final Map<String, String> MACRO_VALUES = Map.of(
            "j", "mx.example.test",
            "daemon_name", "facteur",
            "_", "client.example [192.0.2.7]",
            "i", "1M8G3WJJ50000",
            "mail_addr", "alice@example.org",
            "rcpt_addr", "bob@example.test",
            "client_addr", "192.0.2.7");
    static final Macros MACROS = MACRO_VALUES::get;

    static final InetSocketAddress CLIENT = new InetSocketAddress(address("192.0.2.7"), 40123);

    static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static MilterClient open(FakeFilter f) throws MilterException {
        return MilterClient.open(f.address(), SETTINGS, MACROS);
    }

    /** Connect, HELO, MAIL and one RCPT, all continued. */
    static void envelope(MilterClient m) throws MilterException {
        assertThat(m.connect("client.example", CLIENT)).isEqualTo(Response.CONTINUE);
        assertThat(m.helo("client.example")).isEqualTo(Response.CONTINUE);
        assertThat(m.mail("<alice@example.org>", List.of())).isEqualTo(Response.CONTINUE);
        assertThat(m.rcpt("<bob@example.test>", List.of())).isEqualTo(Response.CONTINUE);
    }

    static InputStream message(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Nested
    class Negotiation {

        @Test
        void offersVersion6EveryActionAndEveryProtocolStep() throws Exception { // Postfix's milter8_connect, protocol 6
            try (var f = FakeFilter.start(FakeFilter.continuing(0))) {
                open(f).close();
                f.awaitEnd();
                Packet optneg = f.received().getFirst();
                assertThat(optneg.code()).isEqualTo('O');
                assertThat(optneg.data()).containsExactly(concat(uint32(6), uint32(0x1FF), uint32(0x1FFFFF)));
            }
        }

        @Test
        void aFilterOfANewerVersionIsRefused() throws Exception {
            try (var f = FakeFilter.start(s -> s.negotiate(packet('O', uint32(7), uint32(0), uint32(0))))) {
                assertThatThrownBy(() -> open(f)).isInstanceOfSatisfying(MilterException.class,
                        e -> assertThat(e.kind()).isEqualTo(Kind.PROTOCOL)).hasMessageContaining("version 7");
            }
        }

        @Test
        void aFilterAskingForAnActionNotOfferedIsRefused() throws Exception {
            try (var f = FakeFilter.start(s -> s.negotiate(packet('O', uint32(6), uint32(0x200), uint32(0))))) {
                assertThatThrownBy(() -> open(f)).isInstanceOfSatisfying(MilterException.class,
                        e -> assertThat(e.kind()).isEqualTo(Kind.PROTOCOL)).hasMessageContaining("actions");
            }
        }

        @Test
        void anAnswerOtherThanTheNegotiationIsRefused() throws Exception {
            try (var f = FakeFilter.start(s -> s.negotiate(CONTINUE))) {
                assertThatThrownBy(() -> open(f)).isInstanceOfSatisfying(MilterException.class,
                        e -> assertThat(e.kind()).isEqualTo(Kind.PROTOCOL));
            }
        }

        @Test
        void connectMacrosArePostfixsAndOnlyThoseWithAValueGo() throws Exception {
            try (var f = FakeFilter.start(FakeFilter.continuing(0))) {
                try (var m = open(f)) {
                    m.connect("client.example", CLIENT);
                }
                f.awaitEnd();
                // j {daemon_name} {daemon_addr} v _: no value for daemon_addr and v here
                assertThat(f.received('D').getFirst().macros())
                        .containsExactly("C", "j", "mx.example.test", "{daemon_name}", "facteur", "_", "client.example [192.0.2.7]");
            }
        }

        @Test
        void aVersion6FilterChoosesTheMacrosOfAStage() throws Exception { // SMFIF_SETSYMLIST, SMFIM_ENVFROM
            byte[] negotiation = options(Protocol.ALL_ACTIONS, 0, MacroStage.MAIL, "{mail_addr} {client_addr}", MacroStage.RCPT, "");
            try (var f = FakeFilter.start(FakeFilter.answering(negotiation, 0, p -> CONTINUE))) {
                try (var m = open(f)) {
                    envelope(m);
                }
                f.awaitEnd();
                List<List<String>> macros = f.received('D').stream().map(Packet::macros).toList();
                assertThat(macros).contains(List.of("M", "{mail_addr}", "alice@example.org", "{client_addr}", "192.0.2.7"));
                // an empty list leaves the stage's own (Postfix)
                assertThat(macros).contains(List.of("R", "i", "1M8G3WJJ50000", "{rcpt_addr}", "bob@example.test"));
            }
        }

        @Test
        void aVersion2FilterIsNotSentDataWhichItsVersionDoesNotKnow() throws Exception {
            byte[] version2 = packet('O', uint32(2), uint32(Protocol.ADDHDRS), uint32(0));
            try (var f = FakeFilter.start(FakeFilter.answering(version2, 0, p -> CONTINUE))) {
                try (var m = open(f)) {
                    envelope(m);
                    assertThat(m.data()).isEqualTo(Response.CONTINUE);
                    m.content(message("Subject: x\r\n\r\nbody\r\n"));
                    m.endOfMessage();
                }
                f.awaitEnd();
                assertThat(f.commands()).isEqualTo("OCHMRLNBEQ");
                assertThat(f.received('D').stream().map(p -> p.macros().getFirst())).doesNotContain("T");
            }
        }
    }

    @Nested
    class Events {

        @Test
        void eachEventCarriesItsDataAsPostfixSendsIt() throws Exception {
            try (var f = FakeFilter.start(FakeFilter.continuing(0))) {
                try (var m = open(f)) {
                    m.connect("client.example", CLIENT);
                    m.helo("client.example");
                    m.mail("<alice@example.org>", List.of("SIZE=1024", "BODY=8BITMIME"));
                    m.rcpt("<bob@example.test>", List.of("NOTIFY=NEVER"));
                    m.rcpt("<carol@example.test>", List.of());
                    m.data();
                }
                f.awaitEnd();
                assertThat(f.commands()).isEqualTo("OCHMRRTQ");
                byte[] connect = f.received('C').getFirst().data();
                assertThat(connect).containsExactly(concat(str("client.example"), new byte[] {'4', (byte) (40123 >> 8), (byte) 40123},
                        str("192.0.2.7")));
                assertThat(f.received('H').getFirst().strings()).containsExactly("client.example");
                assertThat(f.received('M').getFirst().strings()).containsExactly("<alice@example.org>", "SIZE=1024", "BODY=8BITMIME");
                assertThat(f.received('R').get(0).strings()).containsExactly("<bob@example.test>", "NOTIFY=NEVER");
                assertThat(f.received('R').get(1).strings()).containsExactly("<carol@example.test>");
                assertThat(f.received('T').getFirst().data()).isEmpty();
            }
        }

        @Test
        void aClientWithoutATrustedNameIsNamedByItsAddressInBrackets() throws Exception { // Postfix: "unknown" -> [addr]
            try (var f = FakeFilter.start(FakeFilter.continuing(0))) {
                try (var m = open(f)) {
                    m.connect(null, new InetSocketAddress(address("2001:db8::7"), 25));
                }
                f.awaitEnd();
                List<String> s = f.received('C').getFirst().strings();
                assertThat(s.getFirst()).isEqualTo("[2001:db8:0:0:0:0:0:7]");
                assertThat(f.received('C').getFirst().data()[s.getFirst().length() + 1]).isEqualTo((byte) '6');
            }
        }

        @Test
        void eventsTheFilterDoesNotWantAreNotSentButTheirMacrosAre() throws Exception { // SMFIP_NOHELO, SMFIP_NORCPT
            try (var f = FakeFilter.start(FakeFilter.continuing(Protocol.NOHELO | Protocol.NORCPT))) {
                try (var m = open(f)) {
                    envelope(m);
                }
                f.awaitEnd();
                assertThat(f.commands()).isEqualTo("OCMQ");
                assertThat(f.received('D').stream().map(p -> p.macros().getFirst()).toList()).containsExactly("C", "H", "M", "R");
            }
        }

        @Test
        void eventsTheFilterDoesNotAnswerAreNotWaitedFor() throws Exception { // SMFIP_NR_*: a wait would time out the test
            int steps = Protocol.NR_CONN | Protocol.NR_HELO | Protocol.NR_MAIL | Protocol.NR_RCPT | Protocol.NR_DATA
                    | Protocol.NR_HDR | Protocol.NR_EOH | Protocol.NR_BODY;
            try (var f = FakeFilter.start(FakeFilter.continuing(steps))) {
                try (var m = open(f)) {
                    envelope(m);
                    assertThat(m.data()).isEqualTo(Response.CONTINUE);
                    assertThat(m.content(message("Subject: x\r\nTo: b\r\n\r\nbody\r\n"))).isEqualTo(Response.CONTINUE);
                    assertThat(m.endOfMessage().response()).isEqualTo(Response.CONTINUE);
                }
                f.awaitEnd();
                assertThat(f.commands()).isEqualTo("OCHMRTLLNBEQ");
            }
        }

        @Test
        void aNewMailAbortsTheTransactionUnderWay() throws Exception {
            try (var f = FakeFilter.start(FakeFilter.continuing(0))) {
                try (var m = open(f)) {
                    envelope(m);
                    m.mail("<other@example.org>", List.of());
                    m.abort();
                    m.helo("again.example");
                }
                f.awaitEnd();
                assertThat(f.commands()).isEqualTo("OCHMRAMAHQ");
            }
        }

        @Test
        void callsOutOfOrderAreTheCallersMistake() throws Exception {
            try (var f = FakeFilter.start(FakeFilter.continuing(0)); var m = open(f)) {
                assertThatThrownBy(() -> m.rcpt("<b@example.test>", List.of())).isInstanceOf(IllegalStateException.class);
                m.connect("client.example", CLIENT);
                assertThatThrownBy(() -> m.connect("client.example", CLIENT)).isInstanceOf(IllegalStateException.class);
                assertThatThrownBy(m::endOfMessage).isInstanceOf(IllegalStateException.class);
            }
        }

        @Test
        void overAUnixSocket(@TempDir Path dir) throws Exception {
            try (var f = FakeFilter.startUnix(dir.resolve("milter.sock"), FakeFilter.continuing(0))) {
                try (var m = open(f)) {
                    envelope(m);
                }
                f.awaitEnd();
                assertThat(f.commands()).isEqualTo("OCHMRQ");
            }
        }
    }

    @Nested
    class Answers {

        Response rcptAnswer(byte[] answer) throws Exception {
            try (var f = FakeFilter.start(FakeFilter.answering(0, p -> p.code() == 'R' ? answer : CONTINUE)); var m = open(f)) {
                m.connect("client.example", CLIENT);
                m.mail("<alice@example.org>", List.of());
                return m.rcpt("<bob@example.test>", List.of());
            }
        }

        @Test
        void eachAnswerIsItsResponse() throws Exception {
            assertThat(rcptAnswer(packet('r'))).isInstanceOf(Response.Reject.class);
            assertThat(rcptAnswer(packet('t'))).isInstanceOf(Response.Tempfail.class);
            assertThat(rcptAnswer(packet('d'))).isInstanceOf(Response.Discard.class);
            assertThat(rcptAnswer(packet('a'))).isInstanceOf(Response.Accept.class);
            assertThat(rcptAnswer(packet('s'))).isInstanceOf(Response.Skip.class);
            assertThat(rcptAnswer(packet('4'))).isEqualTo(new Response.ReplyCode(new Reply(421, "4.7.0", "Service unavailable - closing connection")));
        }

        @Test
        void aReplyCodeIsTheFiltersOwnReplyMultiLineToo() throws Exception {
            assertThat(rcptAnswer(packet('y', str("554 5.7.1 Spam message rejected"))))
                    .isEqualTo(new Response.ReplyCode(new Reply(554, "5.7.1", "Spam message rejected")));
            assertThat(rcptAnswer(packet('y', str("450-4.2.0 first\r\n450 4.2.0 second"))))
                    .isEqualTo(new Response.ReplyCode(new Reply(450, "4.2.0", List.of("first", "second"))));
        }

        @Test
        void progressIsWaitedThroughAndStartsTheTimeoutAgain() throws Exception {
            var watch = new HandWatch();
            byte[] slow = concat(packet('p'), packet('p'), packet('p'), packet('r'));
            try (var f = FakeFilter.start(FakeFilter.answering(0, p -> p.code() == 'R' ? slow : CONTINUE));
                 var m = MilterClient.open(f.address(), SETTINGS, MACROS, watch)) {
                m.connect("client.example", CLIENT);
                m.mail("<alice@example.org>", List.of());
                int before = watch.arms.get();
                assertThat(m.rcpt("<bob@example.test>", List.of())).isInstanceOf(Response.Reject.class);
                // armed for the exchange, for each packet written (macro, RCPT), and again for each of the four read
                assertThat(watch.arms.get() - before).isEqualTo(1 + 2 + 4);
            }
        }

        @Test
        void acceptAtConnectEndsTheFiltersPartInTheConnection() throws Exception {
            try (var f = FakeFilter.start(FakeFilter.answering(0, p -> p.code() == 'C' ? packet('a') : packet('r')))) {
                try (var m = open(f)) {
                    assertThat(m.connect("client.example", CLIENT)).isInstanceOf(Response.Accept.class);
                    assertThat(m.helo("client.example")).isEqualTo(Response.CONTINUE);
                    assertThat(m.mail("<alice@example.org>", List.of())).isEqualTo(Response.CONTINUE);
                    assertThat(m.rcpt("<bob@example.test>", List.of())).isEqualTo(Response.CONTINUE);
                    assertThat(m.content(message("Subject: x\r\n\r\nbody\r\n"))).isEqualTo(Response.CONTINUE);
                    assertThat(m.endOfMessage()).isEqualTo(new EndOfMessage(Response.CONTINUE, List.of()));
                }
                f.awaitEnd();
                assertThat(f.commands()).isEqualTo("OC");
            }
        }

        @Test
        void aRefusalAtHeloHoldsForTheRestOfTheConnection() throws Exception {
            byte[] refusal = packet('y', str("550 5.7.1 Go away"));
            try (var f = FakeFilter.start(FakeFilter.answering(0, p -> p.code() == 'H' ? refusal : CONTINUE))) {
                try (var m = open(f)) {
                    m.connect("client.example", CLIENT);
                    Response r = m.helo("client.example");
                    assertThat(r).isEqualTo(new Response.ReplyCode(new Reply(550, "5.7.1", "Go away")));
                    assertThat(m.helo("again.example")).isEqualTo(r);
                    assertThat(m.mail("<alice@example.org>", List.of())).isEqualTo(r);
                    assertThat(m.rcpt("<bob@example.test>", List.of())).isEqualTo(r);
                }
                f.awaitEnd();
                assertThat(f.commands()).isEqualTo("OCH");
            }
        }

        @Test
        void acceptOfTheMessageSendsNoMoreOfItAndAbortsAtItsEnd() throws Exception {
            try (var f = FakeFilter.start(FakeFilter.answering(0, p -> switch (p.code()) {
                case 'C' -> CONTINUE;
                case 'M' -> packet('a');
                default -> packet('r'); // what the client must not ask
            }))) {
                try (var m = open(f)) {
                    m.connect("client.example", CLIENT);
                    assertThat(m.mail("<alice@example.org>", List.of())).isInstanceOf(Response.Accept.class);
                    assertThat(m.rcpt("<bob@example.test>", List.of())).isEqualTo(Response.CONTINUE);
                    assertThat(m.data()).isEqualTo(Response.CONTINUE);
                    assertThat(m.content(message("Subject: x\r\n\r\nbody\r\n"))).isEqualTo(Response.CONTINUE);
                    assertThat(m.endOfMessage()).isEqualTo(new EndOfMessage(Response.CONTINUE, List.of()));
                }
                f.awaitEnd();
                assertThat(f.commands()).isEqualTo("OCMAQ");
            }
        }

        @Test
        void a421EndsTheFiltersPartInTheConnection() throws Exception {
            try (var f = FakeFilter.start(FakeFilter.answering(0, p -> p.code() == 'R' ? packet('4') : CONTINUE))) {
                try (var m = open(f)) {
                    m.connect("client.example", CLIENT);
                    m.mail("<alice@example.org>", List.of());
                    Response r = m.rcpt("<bob@example.test>", List.of());
                    assertThat(r).isInstanceOfSatisfying(Response.ReplyCode.class, rc -> assertThat(rc.reply().code()).isEqualTo(421));
                    assertThat(m.rcpt("<carol@example.test>", List.of())).isEqualTo(r);
                }
                f.awaitEnd();
                assertThat(f.commands()).isEqualTo("OCMR");
            }
        }

        @Test
        void skipAtARecipientSkipsTheOthers() throws Exception { // SMFIR_SKIP: no more events of that kind
            try (var f = FakeFilter.start(FakeFilter.answering(0, p -> p.code() == 'R' ? packet('s') : CONTINUE))) {
                try (var m = open(f)) {
                    m.connect("client.example", CLIENT);
                    m.mail("<alice@example.org>", List.of());
                    assertThat(m.rcpt("<bob@example.test>", List.of())).isInstanceOf(Response.Skip.class);
                    assertThat(m.rcpt("<carol@example.test>", List.of())).isEqualTo(Response.CONTINUE);
                    assertThat(m.data()).isEqualTo(Response.CONTINUE);
                }
                f.awaitEnd();
                assertThat(f.commands()).isEqualTo("OCMRTQ");
            }
        }
    }

    @Nested
    class Content {

        @Test
        void headersGoOneByOneWithTheSpaceAfterTheColonEatenAndFoldsAsLf() throws Exception { // Sendmail's way, Postfix's milter8_header
            try (var f = FakeFilter.start(FakeFilter.continuing(0))) {
                try (var m = open(f)) {
                    envelope(m);
                    m.content(message("Subject: hello\r\nTo:  bob@example.test,\r\n\tcarol@example.test\r\nX-Tab:\tv\r\n\r\nbody\r\n"));
                    m.endOfMessage();
                }
                f.awaitEnd();
                assertThat(f.received('L').stream().map(Packet::strings).toList()).containsExactly(
                        List.of("Subject", "hello"),
                        List.of("To", " bob@example.test,\n\tcarol@example.test"),
                        List.of("X-Tab", "\tv"));
                assertThat(f.commands()).endsWith("LLLNBEQ");
                assertThat(text(f.received('B').getFirst().data())).isEqualTo("body\r\n");
                // macros for headers are those of the end of headers, for the body those of the end of the message
                assertThat(f.received('D').stream().map(p -> p.macros().getFirst()).toList()).endsWith("L", "L", "L", "N", "B", "E");
            }
        }

        @Test
        void withLeadingSpaceNegotiatedValuesGoAsTheyAre() throws Exception { // SMFIP_HDR_LEADSPC
            try (var f = FakeFilter.start(FakeFilter.continuing(Protocol.HDR_LEADSPC))) {
                try (var m = open(f)) {
                    envelope(m);
                    m.content(message("Subject: hello\r\n\r\n"));
                }
                f.awaitEnd();
                assertThat(f.received('L').getFirst().strings()).containsExactly("Subject", " hello");
            }
        }

        @Test
        void theBodyGoesInChunksOfAtMost64KB() throws Exception { // libmilter's MILTER_CHUNK_SIZE
            byte[] body = new byte[150_000];
            for (int i = 0; i < body.length; i++) body[i] = (byte) ('a' + i % 26);
            try (var f = FakeFilter.start(FakeFilter.continuing(0))) {
                try (var m = open(f)) {
                    envelope(m);
                    m.content(new SequenceInputStream(message("Subject: big\r\n\r\n"), new ByteArrayInputStream(body)));
                    m.endOfMessage();
                }
                f.awaitEnd();
                List<Packet> chunks = f.received('B');
                assertThat(chunks).extracting(p -> p.data().length).containsExactly(65535, 65535, 150_000 - 2 * 65535);
                assertThat(concat(chunks.stream().map(Packet::data).toArray(byte[][]::new))).isEqualTo(body);
            }
        }

        @Test
        void contentIsReadAsItGoesAndNoFurtherThanARefusal() throws Exception {
            var read = new AtomicLong();
            InputStream endless = new InputStream() { // a message without end: reading it all would never return
                @Override
                public int read() {
                    read.incrementAndGet();
                    return 'x';
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    Arrays.fill(b, off, off + len, (byte) 'x');
                    read.addAndGet(len);
                    return len;
                }
            };
            var chunks = new AtomicInteger();
            try (var f = FakeFilter.start(FakeFilter.answering(0, p -> p.code() == 'B' && chunks.incrementAndGet() == 3 ? packet('r') : CONTINUE));
                 var m = open(f)) {
                envelope(m);
                InputStream msg = new SequenceInputStream(message("Subject: x\r\n\r\n"), endless);
                assertThat(m.content(msg)).isInstanceOf(Response.Reject.class);
                assertThat(read.get()).isLessThanOrEqualTo(3L * 65535);
            }
        }

        @Test
        void skipDuringTheBodyStopsItAndTheEndOfMessageFollows() throws Exception {
            byte[] body = new byte[200_000];
            Arrays.fill(body, (byte) 'y');
            var left = new AtomicLong();
            try (var f = FakeFilter.start(FakeFilter.answering(0, p -> p.code() == 'B' ? packet('s') : CONTINUE))) {
                try (var m = open(f)) {
                    envelope(m);
                    var rest = new ByteArrayInputStream(body);
                    assertThat(m.content(new SequenceInputStream(message("S: x\r\n\r\n"), rest))).isEqualTo(Response.CONTINUE);
                    left.set(rest.available());
                    assertThat(m.endOfMessage().response()).isEqualTo(Response.CONTINUE);
                }
                f.awaitEnd();
                assertThat(f.commands()).endsWith("LNBEQ");
                assertThat(left.get()).isEqualTo(200_000 - 65535);
            }
        }

        @Test
        void aFilterWantingNeitherHeadersNorBodyGetsOnlyTheEnd() throws Exception { // SMFIP_NOHDRS, NOEOH, NOBODY
            try (var f = FakeFilter.start(FakeFilter.continuing(Protocol.NOHDRS | Protocol.NOEOH | Protocol.NOBODY))) {
                try (var m = open(f)) {
                    envelope(m);
                    m.content(message("Subject: x\r\n\r\nbody\r\n"));
                    m.endOfMessage();
                }
                f.awaitEnd();
                assertThat(f.commands()).isEqualTo("OCHMREQ");
            }
        }
    }

    @Nested
    class Changes {

        @Test
        void theEndOfMessageGivesEveryChangeInOrderThenTheVerdict() throws Exception {
            byte[] eom = concat(
                    packet('h', str("X-Spam"), str("yes")),
                    packet('p'),
                    packet('i', uint32(0), str("DKIM-Signature"), str("v=1; a=rsa-sha256;\n\tb=abc")),
                    packet('m', uint32(2), str("Subject"), str("[SPAM] hi")),
                    packet('m', uint32(1), str("X-Old"), str("")),
                    packet('m', uint32(0), str("X-Zero"), str("v")),
                    packet('b', "new body\r\n".getBytes(StandardCharsets.US_ASCII)),
                    packet('b', "more\r\n".getBytes(StandardCharsets.US_ASCII)),
                    packet('e', str("<bounce@example.org>"), str("SIZE=10")),
                    packet('e', str("<plain@example.org>")),
                    packet('+', str("<archive@example.test>")),
                    packet('2', str("<copy@example.test>"), str("NOTIFY=NEVER")),
                    packet('-', str("<bob@example.test>")),
                    packet('q', str("looks odd")),
                    CONTINUE);
            try (var f = FakeFilter.start(FakeFilter.answering(0, p -> p.code() == 'E' ? eom : CONTINUE)); var m = open(f)) {
                envelope(m);
                m.content(message("Subject: hi\r\n\r\nbody\r\n"));
                EndOfMessage end = m.endOfMessage();
                assertThat(end.response()).isEqualTo(Response.CONTINUE);
                assertThat(end.modifications()).usingRecursiveFieldByFieldElementComparator().containsExactly(
                        new Modification.AddHeader("X-Spam", " yes"),
                        new Modification.InsertHeader(0, "DKIM-Signature", " v=1; a=rsa-sha256;\r\n\tb=abc"),
                        new Modification.ChangeHeader(2, "Subject", " [SPAM] hi"),
                        new Modification.DeleteHeader(1, "X-Old"),
                        new Modification.ChangeHeader(1, "X-Zero", " v"),
                        new Modification.ReplaceBody("new body\r\n".getBytes(StandardCharsets.US_ASCII)),
                        new Modification.ReplaceBody("more\r\n".getBytes(StandardCharsets.US_ASCII)),
                        new Modification.ChangeSender("<bounce@example.org>", "SIZE=10"),
                        new Modification.ChangeSender("<plain@example.org>", ""),
                        new Modification.AddRecipient("<archive@example.test>", ""),
                        new Modification.AddRecipient("<copy@example.test>", "NOTIFY=NEVER"),
                        new Modification.DeleteRecipient("<bob@example.test>"),
                        new Modification.Quarantine("looks odd"));
            }
        }

        @Test
        void withLeadingSpaceNegotiatedHeaderValuesAreTakenAsTheyAre() throws Exception {
            byte[] eom = concat(packet('h', str("X-A"), str("\tv")), CONTINUE);
            try (var f = FakeFilter.start(FakeFilter.answering(Protocol.HDR_LEADSPC, p -> p.code() == 'E' ? eom : CONTINUE)); var m = open(f)) {
                envelope(m);
                assertThat(m.endOfMessage().modifications()).containsExactly(new Modification.AddHeader("X-A", "\tv"));
            }
        }

        @Test
        void aQuarantineAtAnEarlierEventComesWithTheChanges() throws Exception { // Postfix takes SMFIR_QUARANTINE at any event
            byte[] rcpt = concat(packet('q', str("from RCPT")), CONTINUE);
            byte[] eom = concat(packet('h', str("X-A"), str("1")), packet('r'));
            try (var f = FakeFilter.start(FakeFilter.answering(0, p -> switch (p.code()) {
                case 'R' -> rcpt;
                case 'E' -> eom;
                default -> CONTINUE;
            })); var m = open(f)) {
                envelope(m);
                assertThat(m.endOfMessage()).isEqualTo(new EndOfMessage(new Response.Reject(),
                        List.of(new Modification.Quarantine("from RCPT"), new Modification.AddHeader("X-A", " 1"))));
            }
        }

        @Test
        void aQuarantineAtHeloHoldsEveryMessageOfTheConnectionOneAtRcptOnlyItsOwn() throws Exception {
            var rcpts = new AtomicInteger();
            try (var f = FakeFilter.start(FakeFilter.answering(0, p -> switch (p.code()) {
                case 'H' -> concat(packet('q', str("client")), CONTINUE);
                case 'R' -> rcpts.incrementAndGet() == 1 ? concat(packet('q', str("first message")), CONTINUE) : CONTINUE;
                default -> CONTINUE;
            })); var m = open(f)) {
                envelope(m);
                assertThat(m.endOfMessage().modifications())
                        .containsExactly(new Modification.Quarantine("client"), new Modification.Quarantine("first message"));
                m.mail("<alice@example.org>", List.of());
                m.rcpt("<bob@example.test>", List.of());
                assertThat(m.endOfMessage().modifications()).containsExactly(new Modification.Quarantine("client"));
            }
        }

        @Test
        void aChangeBeforeTheEndOfTheMessageIsAProtocolError() throws Exception {
            byte[] early = concat(packet('h', str("X-A"), str("1")), CONTINUE);
            try (var f = FakeFilter.start(FakeFilter.answering(0, p -> p.code() == 'M' ? early : CONTINUE)); var m = open(f)) {
                m.connect("client.example", CLIENT);
                assertThatThrownBy(() -> m.mail("<alice@example.org>", List.of())).isInstanceOfSatisfying(MilterException.class,
                        e -> assertThat(e.kind()).isEqualTo(Kind.PROTOCOL)).hasMessageContaining("not at the end of the message");
            }
        }

        @Test
        void changesBeyondTheLimitAreAProtocolError() throws Exception {
            byte[] chunk = new byte[65535];
            byte[] eom = concat(packet('b', chunk), packet('b', chunk), packet('b', chunk), CONTINUE);
            var settings = SETTINGS.withLimits(65536 + 16, 2L * (65535 + 64));
            try (var f = FakeFilter.start(FakeFilter.answering(0, p -> p.code() == 'E' ? eom : CONTINUE));
                 var m = MilterClient.open(f.address(), settings, MACROS)) {
                envelope(m);
                assertThatThrownBy(m::endOfMessage).isInstanceOfSatisfying(MilterException.class,
                        e -> assertThat(e.kind()).isEqualTo(Kind.PROTOCOL)).hasMessageContaining("over 131198 bytes");
            }
        }
    }

    @Nested
    class Misbehaviour {

        static void assertFails(ThrowingCall call, Kind kind) {
            assertThatThrownBy(call::run).isInstanceOfSatisfying(MilterException.class, e -> assertThat(e.kind()).isEqualTo(kind));
        }

        @FunctionalInterface
        interface ThrowingCall {
            void run() throws Exception;
        }

        @Test
        void aFilterThatHangsTimesOut() throws Exception { // the real deadlines: 300 ms for the content, the rest long
            var settings = SETTINGS.withTimeouts(Patience.EVENT, Patience.EVENT, Duration.ofMillis(300));
            int steps = Protocol.NR_HDR | Protocol.NR_EOH | Protocol.NR_BODY; // only the end of message waits
            FakeFilter.Script script = s -> {
                s.negotiate(options(Protocol.ALL_ACTIONS, steps));
                for (Packet p; (p = s.read()).code() != 'E'; ) if (p.code() != 'D' && "CHMR".indexOf(p.code()) >= 0) s.send(CONTINUE);
                s.hang();
            };
            try (var f = FakeFilter.start(script); var m = MilterClient.open(f.address(), settings, MACROS)) {
                envelope(m);
                m.content(message("Subject: x\r\n\r\nbody\r\n"));
                assertThatThrownBy(m::endOfMessage).isInstanceOfSatisfying(MilterException.class,
                        e -> assertThat(e.kind()).isEqualTo(Kind.TIMEOUT)).hasMessageContaining("within 300 ms");
            }
        }

        @Test
        void aTimeoutIsTheStagesAndClosesTheConnection() throws Exception { // the hand-driven watch: no wait at all
            var watch = new HandWatch();
            var reached = new CountDownLatch(1);
            FakeFilter.Script script = s -> {
                s.negotiate(options(Protocol.ALL_ACTIONS, 0));
                s.readUntil('C');
                reached.countDown();
                s.hang();
            };
            try (var f = FakeFilter.start(script); var m = MilterClient.open(f.address(), SETTINGS, MACROS, watch)) {
                Thread.ofVirtual().start(() -> {
                    try {
                        reached.await();
                        watch.expire();
                    } catch (InterruptedException ignored) {
                        // the test ends
                    }
                });
                assertFails(() -> m.connect("client.example", CLIENT), Kind.TIMEOUT);
                assertThat(watch.lastArm.get()).isEqualTo(SETTINGS.commandTimeout().toNanos());
                assertFails(() -> m.helo("x"), Kind.TIMEOUT); // and every call after
                f.awaitEnd(); // the filter saw the connection end
            }
        }

        @Test
        void aFilterThatClosesInTheMiddleOfTheBodyIsLost() throws Exception {
            FakeFilter.Script script = s -> {
                s.negotiate(options(Protocol.ALL_ACTIONS, 0));
                for (Packet p; (p = s.read()).code() != 'B'; ) if (p.code() != 'D') s.send(CONTINUE);
                s.hangUp();
            };
            byte[] body = new byte[300_000];
            try (var f = FakeFilter.start(script); var m = open(f)) {
                envelope(m);
                assertFails(() -> m.content(new SequenceInputStream(message("Subject: x\r\n\r\n"), new ByteArrayInputStream(body))),
                        Kind.CLOSED);
                assertFails(m::endOfMessage, Kind.CLOSED);
            }
        }

        @Test
        void aFilterThatClosesWhileNotAnsweredIsLostAtTheNextAnswer() throws Exception {
            FakeFilter.Script script = s -> {
                s.negotiate(options(Protocol.ALL_ACTIONS, Protocol.NR_BODY | Protocol.NR_HDR | Protocol.NR_EOH));
                for (Packet p; (p = s.read()).code() != 'B'; ) if ("CHMR".indexOf(p.code()) >= 0) s.send(CONTINUE);
                s.hangUp();
            };
            byte[] body = new byte[300_000];
            try (var f = FakeFilter.start(script); var m = open(f)) {
                envelope(m);
                assertThatThrownBy(() -> {
                    m.content(new SequenceInputStream(message("Subject: x\r\n\r\n"), new ByteArrayInputStream(body)));
                    m.endOfMessage();
                }).isInstanceOfSatisfying(MilterException.class, e -> assertThat(e.kind()).isEqualTo(Kind.CLOSED));
            }
        }

        Kind garbage(byte[] answer) throws Exception {
            try (var f = FakeFilter.start(FakeFilter.answering(0, p -> p.code() == 'M' ? answer : CONTINUE)); var m = open(f)) {
                m.connect("client.example", CLIENT);
                try {
                    m.mail("<alice@example.org>", List.of());
                    throw new AssertionError("accepted " + FilterReply.printable(answer));
                } catch (MilterException e) {
                    assertFails(() -> m.rcpt("<b@example.test>", List.of()), e.kind()); // unusable after
                    return e.kind();
                }
            }
        }

        @Test
        void garbageIsAProtocolError() throws Exception {
            assertThat(garbage(new byte[] {0, 0, 0, 0})).as("length 0").isEqualTo(Kind.PROTOCOL);
            assertThat(garbage(new byte[] {0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 'c'})).as("2 GB").isEqualTo(Kind.PROTOCOL);
            assertThat(garbage(new byte[] {0, (byte) 0x20, 0, 1, 'b'})).as("just over the 2 MB limit").isEqualTo(Kind.PROTOCOL);
            assertThat(garbage(packet('Z'))).as("unknown code").isEqualTo(Kind.PROTOCOL);
            assertThat(garbage(packet('c', str("x")))).as("continue with data").isEqualTo(Kind.PROTOCOL);
            assertThat(garbage(packet('y', str("250 2.0.0 fine")))).as("a 2xx reply").isEqualTo(Kind.PROTOCOL);
            assertThat(garbage(packet('y', str("550-5.7.1 a\r\n451 4.7.1 b")))).as("two codes").isEqualTo(Kind.PROTOCOL);
            assertThat(garbage(packet('O', uint32(6), uint32(0), uint32(0)))).as("a second negotiation").isEqualTo(Kind.PROTOCOL);
        }

        @Test
        void aPacketCutShortIsALostConnection() throws Exception {
            FakeFilter.Script script = s -> {
                s.negotiate(options(Protocol.ALL_ACTIONS, 0));
                s.readUntil('C');
                s.send(new byte[] {0, 0, 0, 9, 'y', '5', '5'});
                s.hangUp();
            };
            try (var f = FakeFilter.start(script); var m = open(f)) {
                assertFails(() -> m.connect("client.example", CLIENT), Kind.CLOSED);
            }
        }

        @Test
        void noFilterListeningIsUnavailable() {
            var nobody = new MilterAddress.Inet(new HostPort(Loopback.host(), 11332));
            assertFails(() -> MilterClient.open(nobody, SETTINGS, MACROS), Kind.UNAVAILABLE);
        }

        @Test
        void noSocketIsUnavailable(@TempDir Path dir) {
            assertFails(() -> MilterClient.open(new MilterAddress.Unix(dir.resolve("none.sock")), SETTINGS, MACROS), Kind.UNAVAILABLE);
        }

        @Test
        void aFilterThatNeverAcceptsTheConnectionIsUnavailable() throws Exception {
            // a listener whose accept queue is full drops further SYNs: connect waits for its timeout
            try (var full = new ServerSocket()) {
                full.bind(new InetSocketAddress(InetAddress.getByName(Loopback.host()), 0), 1);
                List<Socket> filling = new ArrayList<>();
                try {
                    for (int i = 0; i < 4; i++) {
                        Socket s = new Socket();
                        try {
                            s.connect(full.getLocalSocketAddress(), 200);
                            filling.add(s);
                        } catch (IOException queueFull) {
                            s.close();
                            break;
                        }
                    }
                    var settings = SETTINGS.withTimeouts(Duration.ofMillis(300), Patience.EVENT, Patience.EVENT);
                    var address = new MilterAddress.Inet(new HostPort(full.getInetAddress().getHostAddress(), full.getLocalPort()));
                    // (a system set to tcp_abort_on_overflow refuses instead: unavailable all the same)
                    assertFails(() -> MilterClient.open(address, settings, MACROS), Kind.UNAVAILABLE);
                } finally {
                    for (Socket s : filling) s.close();
                }
            }
        }

        @Test
        void closeNeverThrowsAndQuitsAWorkingFilter() throws Exception {
            try (var f = FakeFilter.start(FakeFilter.continuing(0))) {
                var m = open(f);
                m.connect("client.example", CLIENT);
                m.close();
                m.close();
                f.awaitEnd();
                assertThat(f.commands()).isEqualTo("OCQ");
                assertThatThrownBy(() -> m.helo("x")).isInstanceOf(IllegalStateException.class);
            }
        }
    }

    /** A watch the test expires when it chooses; counts how often it was armed. */
    static final class HandWatch implements Function<Runnable, Watch> {
        final AtomicInteger arms = new AtomicInteger();
        final AtomicLong lastArm = new AtomicLong();
        private volatile Runnable onExpiry;

        @Override
        public Watch apply(Runnable expiry) {
            onExpiry = expiry;
            return new Watch() {
                @Override
                public void arm(long nanos) {
                    arms.incrementAndGet();
                    lastArm.set(nanos);
                }

                @Override
                public void disarm() {}

                @Override
                public void close() {}
            };
        }

        void expire() {
            onExpiry.run();
        }
    }

    static byte[] concat(byte[]... parts) {
        var out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}

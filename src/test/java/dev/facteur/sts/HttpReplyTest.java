package dev.facteur.sts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The fetcher's reading of an HTTP/1.1 response (RFC 9112), from bytes. */
class HttpReplyTest {

    private static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String body(String response, int max) throws IOException {
        InputStream in = bytes(response);
        return new String(HttpReply.readHead(in).readBody(in, max), StandardCharsets.UTF_8);
    }

    @Test
    void statusAndFieldsNamesInLowerCase() throws IOException {
        var reply = HttpReply.readHead(bytes("HTTP/1.1 301 Moved Permanently\r\nLocation: https://elsewhere.test/\r\nX-A: 1\r\nx-a: 2\r\n\r\n"));
        assertThat(reply.status()).isEqualTo(301);
        assertThat(reply.field("LOCATION")).isEqualTo("https://elsewhere.test/");
        assertThat(reply.field("x-a")).as("repeated fields joined").isEqualTo("1, 2");
        assertThat(HttpReply.readHead(bytes("HTTP/1.0 200\n\n")).status()).as("a bare LF, no reason phrase").isEqualTo(200);
    }

    @Test
    void theThreeFramings() throws IOException { // RFC 9112 §6.3
        assertThat(body("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello, and more", 100)).isEqualTo("hello");
        assertThat(body("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: x\r\n\r\n", 100))
                .isEqualTo("hello, world");
        assertThat(body("HTTP/1.1 200 OK\r\n\r\nto the end", 100)).isEqualTo("to the end");
    }

    @Test
    void aBodyOverTheLimitIsRefusedWhateverItsFraming() {
        assertThatThrownBy(() -> body("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n", 100)).isInstanceOf(HttpReply.TooLarge.class)
                .hasMessage("Content-Length 101, over the limit of 100 octets");
        assertThatThrownBy(() -> body("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n32\r\n" + "x".repeat(50) + "\r\n33\r\n", 100))
                .isInstanceOf(HttpReply.TooLarge.class);
        assertThatThrownBy(() -> body("HTTP/1.1 200 OK\r\n\r\n" + "x".repeat(101), 100)).isInstanceOf(HttpReply.TooLarge.class);
        assertThat(catchBody("HTTP/1.1 200 OK\r\n\r\n" + "x".repeat(100))).isEqualTo("x".repeat(100));
    }

    private static String catchBody(String response) {
        try {
            return body(response, 100);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void malformedResponsesAreProtocolErrors() {
        assertThatThrownBy(() -> HttpReply.readHead(bytes("SSH-2.0-OpenSSH\r\n\r\n"))).isInstanceOf(ProtocolException.class)
                .hasMessage("not an HTTP/1.1 status line: \"SSH-2.0-OpenSSH\"");
        assertThatThrownBy(() -> HttpReply.readHead(bytes("HTTP/1.1 200 OK\r\nno colon\r\n\r\n"))).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> HttpReply.readHead(bytes("HTTP/1.1 200 OK\r\n folded: x\r\n\r\n"))).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> HttpReply.readHead(bytes("HTTP/1.1 200 OK\r\nA: b\r\n"))).as("cut short").isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> HttpReply.readHead(bytes("HTTP/1.1 200 OK\r\nX: " + "a".repeat(HttpReply.MAX_HEAD) + "\r\n\r\n")))
                .hasMessageContaining("over " + HttpReply.MAX_HEAD);
        assertThatThrownBy(() -> body("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", 100)).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> body("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 100)).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> body("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 100)).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> body("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", 100))
                .hasMessage("a chunk longer than its size");
    }

    @Test
    void encodingsThatWereNotAskedForAreRefused() { // the octets would not be the policy
        assertThatThrownBy(() -> body("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\nxx", 100)).hasMessageContaining("gzip");
        assertThatThrownBy(() -> body("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 100)).hasMessageContaining("gzip");
    }

    @Test
    void controlCharactersFromTheNetworkAreEscapedForTheLog() {
        assertThat(HttpReply.printable("a\r\nb\u0000")).isEqualTo("a\\x0d\\x0ab\\x00");
        assertThat(HttpReply.printable("x".repeat(150))).hasSize(103);
    }
}

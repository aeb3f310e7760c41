package dev.facteur.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.net.HostPort;
import dev.facteur.queue.QueueManager;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.Spool;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The admin interface opens the queue only to those who can read the token file: a request
 * without {@code Authorization: Bearer TOKEN} (RFC 6750 §2.1), or with a wrong token, is refused
 * with 401 and changes nothing; the file is created private and refused when it is not.
 */
class AdminServerTest {

    @TempDir
    Path dir;

    private final QueueId.Generator ids = new QueueId.Generator();
    private Spool spool;
    private QueueManager queue;
    private AdminServer admin;
    private Path tokenFile;
    private ListAppender<ILoggingEvent> log;


    @BeforeEach
    void start() throws IOException {
        spool = LogSpool.open(dir.resolve("spool"));
        queue = IdleQueue.over(spool, ids);
        tokenFile = dir.resolve("admin.token");
        admin = new AdminServer(new HostPort("127.0.0.1", 0), tokenFile, queue);
        admin.start();
        log = new ListAppender<>();
        log.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        log.start();
        ((Logger) LoggerFactory.getLogger("facteur.admin")).addAppender(log);
    }

    @AfterEach
    void stop() throws IOException {
        ((Logger) LoggerFactory.getLogger("facteur.admin")).detachAppender(log);
        admin.close();
        queue.close();
        spool.close();
    }

    private QueueId enqueue() throws IOException {
        QueueId id = ids.next();
        try (Spool.Draft d = spool.draft(id)) {
            d.content().write("Subject: mine\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
            d.commit(new Envelope(id, Instant.now(), ReversePath.of(new Mailbox("alice", "example.test")),
                    List.of(Recipient.pending(new Mailbox("bob", "example.org"), Notify.DEFAULT, null)), -1,
                    Body.SEVEN_BIT, false, null, null, new ClientInfo("127.0.0.1", "c", "ESMTP", "")));
        }
        return id;
    }

    private HttpResponse<String> post(String pathAndQuery, String authorization) throws Exception {
        var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + pathAndQuery))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (authorization != null) b.header("Authorization", authorization);
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private String token() throws IOException {
        return TokenFile.clientToken(tokenFile);
    }

    @Test
    void aRequestWithoutATokenIsRefusedAndDeletesNothing() throws Exception {
        QueueId id = enqueue();
        var r = post("/queue/delete?id=" + id, null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"facteur\"");
        assertThat(r.body()).contains("\"ok\":false", "no admin token");
        assertThat(spool.find(id)).isPresent();
        assertThat(log.list).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                .startsWith("admin: refused POST /queue/delete from /127.0.0.1:").endsWith(": no admin token"));
    }

    @Test
    void aWrongTokenIsRefusedAndNeverLogged() throws Exception {
        QueueId id = enqueue();
        String guess = token().substring(0, 42) + (token().endsWith("A") ? "B" : "A"); // all but the last character right
        for (String authorization : List.of("Bearer " + guess, "Basic " + token(), token(), "Bearer " + token() + "x")) {
            var r = post("/queue/delete?id=" + id, authorization);
            assertThat(r.statusCode()).as(authorization).isEqualTo(401);
        }
        assertThat(spool.find(id)).isPresent();
        assertThat(log.list).hasSize(4).allSatisfy(e -> assertThat(e.getFormattedMessage())
                .contains("from /127.0.0.1:").doesNotContain(guess).doesNotContain(token()));
    }

    @Test
    void theTokenFromTheFileOpensTheQueue() throws Exception {
        QueueId id = enqueue();
        var r = post("/queue/delete?id=" + id, "Bearer " + token());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains(id + ": deleted");
        assertThat(spool.find(id)).isEmpty();
        assertThat(post("/queue/flush", "bearer " + token()).statusCode()).as("the scheme is case-insensitive").isEqualTo(200);
        assertThat(log.list).isEmpty();
    }

    @Test
    void healthNeedsNoToken() throws Exception { // for supervisors; it tells no more than the open port
        try (HttpClient http = HttpClient.newHttpClient()) {
            var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theTokenFileIsCreatedPrivateWithARandomToken() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile))).isEqualTo("rw-------");
        assertThat(token()).matches("[A-Za-z0-9_-]{43}"); // 256 bits, base64url
        // Another server makes another token, and this one keeps its own across a restart.
        Path other = dir.resolve("other").resolve("admin.token");
        new AdminServer(new HostPort("127.0.0.1", 0), other, queue).close();
        assertThat(TokenFile.clientToken(other)).isNotEqualTo(token());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(other.getParent()))).isEqualTo("rwx------");
        String before = token();
        new AdminServer(new HostPort("127.0.0.1", 0), tokenFile, queue).close();
        assertThat(token()).isEqualTo(before);
    }

    @Test
    void aTokenFileOthersCanReadStopsTheStart() throws Exception {
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> new AdminServer(new HostPort("127.0.0.1", 0), tokenFile, queue))
                .isInstanceOf(IOException.class)
                .hasMessage(tokenFile + ": mode 0644 (rw-r--r--) lets other users read or change the admin token; "
                        + "it must be readable by Facteur's user only: chmod 600 " + tokenFile);
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw--w----"));
        assertThatThrownBy(() -> new AdminServer(new HostPort("127.0.0.1", 0), tokenFile, queue)).hasMessageContaining("mode 0620");
    }

    @Test
    void aTokenFileInAFolderAnyoneCanWriteStopsTheStart() throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> new AdminServer(new HostPort("127.0.0.1", 0), open.resolve("admin.token"), queue))
                .hasMessageStartingWith(open + ": mode 0777 (rwxrwxrwx) lets any user replace the admin token file admin.token");
    }

    @Test
    void linesThatAreNotTokensStopTheStartWithoutShowingThem() throws Exception {
        Files.writeString(tokenFile, "# ours\n" + token() + "\nsecret-but-short\n");
        assertThatThrownBy(() -> new AdminServer(new HostPort("127.0.0.1", 0), tokenFile, queue))
                .hasMessage(tokenFile + ":3: not a token (at least 32 of A-Z a-z 0-9 - . _ ~ + /)");
        Files.writeString(tokenFile, token() + " queue:read\n");
        assertThatThrownBy(() -> new AdminServer(new HostPort("127.0.0.1", 0), tokenFile, queue))
                .hasMessage(tokenFile + ":1: after the token, only its scope (read or operate) and a # note")
                .message().doesNotContain(token().substring(0, 20));
    }

    @Test
    void everyTokenInTheFileIsAccepted() throws Exception {
        String second = TokenFile.newToken();
        Files.writeString(tokenFile, "# two tools\n" + token() + "\n\n" + second + "\n");
        admin.close();
        admin = new AdminServer(new HostPort("127.0.0.1", 0), tokenFile, queue);
        admin.start();
        assertThat(post("/queue/flush", "Bearer " + second).statusCode()).isEqualTo(200);
        assertThat(post("/queue/flush", "Bearer " + token()).statusCode()).isEqualTo(200);
    }
}

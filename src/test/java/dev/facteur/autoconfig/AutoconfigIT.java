package dev.facteur.autoconfig;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.server.Facteur;
import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.TestConfig;
import dev.facteur.tls.SelfSigned;
import dev.facteur.testing.ExternalProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Thunderbird's way of asking, over HTTP, and the operator's command that says what to publish. */
class AutoconfigIT {

    @TempDir
    Path dir;
    private Facteur facteur;
    private Path config;

    @BeforeEach
    void start() throws Exception {
        var pem = SelfSigned.generate(dir.resolve("tls"), "mx.facteur.test");
        var c = TestConfig.in(dir.resolve("data")).tls(pem).tables("""
                [local]
                domains = ["example.test"]
                users = ["alice"]
                [submission]
                listen = ["127.0.0.1:0"]
                listen_tls = ["127.0.0.1:0"]
                [autoconfig]
                listen = ["127.0.0.1:0"]
                imap = "imap.example.test:993"
                """);
        facteur = c.start();
        config = c.writeTo(dir.resolve("facteur.toml"));
    }

    @AfterEach
    void stop() throws Exception {
        if (facteur != null) facteur.close();
    }

    /** A GET as Thunderbird sends it, Host: autoconfig.DOMAIN included, with Python's http.client: status, type, body. */
    private List<String> get(String path, String host) throws Exception {
        var at = facteur.autoconfigAddresses().getFirst();
        var r = ExternalProcess.run(List.of(ExternalProcess.PYTHON, "-c", """
                import http.client, sys
                c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=30)
                c.request("GET", sys.argv[3], headers={"Host": sys.argv[4]})
                r = c.getresponse()
                print(r.status)
                print(r.getheader("Content-Type"))
                print(r.read().decode())
                """, at.getHostString(), String.valueOf(at.getPort()), path, host));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return List.of(r.stdout().split("\n", 3));
    }

    @Test
    void thunderbirdsRequestGetsTheFileForOurDomainOnly() throws Exception {
        var r = get("/mail/config-v1.1.xml?emailaddress=alice%40example.test", "autoconfig.example.test");
        assertThat(r.get(0)).isEqualTo("200");
        assertThat(r.get(1)).startsWith("application/xml");
        assertThat(r.get(2)).contains("<domain>example.test</domain>").contains("<hostname>mx.facteur.test</hostname>");
        assertThat(get("/.well-known/autoconfig/mail/config-v1.1.xml", "example.test").get(0)).isEqualTo("200");
        assertThat(get("/mail/config-v1.1.xml?emailaddress=eve%40elsewhere.example", "autoconfig.example.test").get(0)).isEqualTo("404");
    }

    @Test
    void theCommandPrintsTheRecordsAndTheFile() throws Exception {
        // the ports an operator configures (the running server's are any free ones)
        Files.writeString(config, Files.readString(config).replace("listen = [\"127.0.0.1:0\"]\nlisten_tls", "listen = [\"0.0.0.0:587\"]\nlisten_tls")
                .replace("listen_tls = [\"127.0.0.1:0\"]", "listen_tls = [\"0.0.0.0:465\"]"));
        var r = FacteurCli.run("autoconfig", "example.test", "--config", config.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("_submission._tcp.example.test. 3600 IN SRV 10 1 587 mx.facteur.test.")
                .contains("_submissions._tcp.example.test. 3600 IN SRV 0 1 465 mx.facteur.test.").contains("_imaps._tcp.example.test.")
                .contains("autoconfig.example.test. 3600 IN CNAME mx.facteur.test.").contains("<clientConfig version=\"1.1\">");
    }
}

package dev.facteur.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.config.Config;
import dev.facteur.config.ConfigException;
import dev.facteur.config.ConfigLoader;
import org.junit.jupiter.api.Test;

/** Which changes a reload leaves for the next start, as the log line names them. */
class RestartTest {

    /** Every section whose settings live across reloads, with values other than the defaults. */
    private static final String RUNNING = """
            hostname = "mx.example.test"
            data_dir = "/var/lib/facteur"
            [smtp]
            listen = ["127.0.0.1:2525"]
            max_recipients = 100
            [spool]
            min_free_space = "200MB"
            [relay]
            networks = ["127.0.0.0/8"]
            [local]
            domains = ["example.test"]
            users = ["alice"]
            [delivery]
            max_parallel = 20
            max_per_destination = 5
            retry_initial = "1m"
            retry_max = "30m"
            max_lifetime = "3d"
            delay_warning = "2h"
            [[delivery.sources]]
            address = "127.0.0.1"
            helo = "out1.example.test"
            pool = "bulk"
            [[delivery.pools]]
            name = "bulk"
            sender_domains = ["news.example.test"]
            [shaping]
            connections = 8
            [[shaping.rules]]
            mx = ["*.google.com"]
            site = "google"
            messages_per_minute = 300
            [admin]
            listen = "127.0.0.1:8026"
            [sendmail]
            authorized_users = ["root"]
            [autoconfig]
            listen = ["127.0.0.1:8080"]
            [mta_sts]
            mode = "enforce"
            max_age = "1d"
            [events]
            enabled = true
            [suppression]
            enabled = true
            scope = "global"
            [policy]
            checks = ["greylist", "spf", "dkim", "dmarc"]
            store = "redis://127.0.0.1:6379"
            [policy.dmarc.reports]
            send = true
            org_name = "Example"
            [tls_reports]
            enabled = true
            organization = "Example Org"
            contact = "tls-reports@example.test"
            [log]
            format = "json"
            """;

    private static Config parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, "facteur.toml");
    }

    @Test
    void theSameFileReadAgainNeedsNoRestart() throws ConfigException {
        assertThat(Restart.needed(parse(RUNNING), parse(RUNNING))).isEmpty();
    }

    @Test
    void whatEachSessionOrAttemptTakesAnewNeedsNoRestart() throws ConfigException {
        String next = RUNNING.replace("max_recipients = 100", "max_recipients = 10")
                .replace("listen = [\"127.0.0.1:2525\"]", "listen = [\"127.0.0.1:2525\", \"127.0.0.1:2526\"]")
                .replace("networks = [\"127.0.0.0/8\"]", "networks = [\"127.0.0.0/8\", \"192.0.2.0/24\"]")
                .replace("users = [\"alice\"]", "users = [\"alice\", \"bob\"]")
                .replace("checks = [\"greylist\", \"spf\", \"dkim\", \"dmarc\"]", "checks = [\"spf\", \"dkim\", \"dmarc\"]");

        assertThat(Restart.needed(parse(RUNNING), parse(next))).isEmpty();
    }

    @Test
    void whatIsBuiltOnceIsNamedForTheNextStart() throws ConfigException {
        String next = RUNNING.replace("max_parallel = 20", "max_parallel = 50").replace("retry_max = \"30m\"", "retry_max = \"2h\"")
                .replace("8026", "8027").replace("format = \"json\"", "format = \"text\"")
                .replace("store = \"redis://127.0.0.1:6379\"", "store = \"embedded\"");

        assertThat(Restart.needed(parse(RUNNING), parse(next))).containsExactly("[delivery] max_parallel", "[delivery] retry_max",
                "[admin]", "[policy] store", "[log]");
    }

    @Test
    void anotherDataDirIsNamedWithTheDefaultsUnderIt() throws ConfigException { // their paths changed with it
        String next = RUNNING.replace("/var/lib/facteur", "/srv/facteur");

        assertThat(Restart.needed(parse(RUNNING), parse(next))).containsExactly("data_dir", "[admin]", "[sendmail]", "[mta_sts]", "[unsubscribe]",
                "[events]", "[history]");
    }
}

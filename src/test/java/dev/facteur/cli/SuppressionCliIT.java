package dev.facteur.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.net.HostPort;
import dev.facteur.server.Facteur;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.RedisServer;
import dev.facteur.testing.TestConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code facteur suppression list|show|add|remove} as an operator types it: the command finds the
 * admin interface in the same configuration file as the running server, and edits the server's
 * list through it (its embedded store, or the Redis that several nodes share).
 */
class SuppressionCliIT {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());

    @TempDir
    Path dir;

    private final List<AutoCloseable> running = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : running.reversed()) c.close();
    }

    /** A running Facteur (delivery on: the admin interface with it) and the file that says where its admin interface is. */
    private Path server(String name, UnaryOperator<TestConfig> more) throws Exception {
        TestConfig config = more.apply(TestConfig.in(dir.resolve(name)).dns(new HostPort("127.0.0.1", 9)).delivery(Map.of()));
        Facteur facteur = config.start();
        running.add(facteur);
        var admin = facteur.adminAddress().orElseThrow();
        config.admin(new HostPort(admin.getHostString(), admin.getPort()).toString());
        return config.writeTo(dir.resolve(name + ".toml"));
    }

    private static ExternalProcess.Result facteur(Path config, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--config", config.toString()));
        return FacteurCli.run(all.toArray(String[]::new));
    }

    @Test
    void anOperatorAddsShowsListsAndRemovesAddresses() throws Exception {
        Path config = server("data", c -> c);
        Instant before = Instant.now();
        var add = facteur(config, "suppression", "add", "alice@example.org", "--scope", "example.com", "--reason", "hard-bounce",
                "--for", "30d", "--note", "550 5.1.1 no such user");
        assertThat(add.exitCode()).as(add.toString()).isZero();
        assertThat(add.stdout()).startsWith("alice@example.org suppressed in example.com (hard-bounce, until ");
        Instant until = Instant.parse(add.stdout().strip().replaceAll(".*until (.*)\\)$", "$1"));
        assertThat(until).isBetween(before.plus(Duration.ofDays(30)), Instant.now().plus(Duration.ofDays(30)));
        assertThat(facteur(config, "suppression", "add", "bob@example.org").stdout().strip())
                .isEqualTo("bob@example.org suppressed in * (manual, never expires)");

        var show = facteur(config, "suppression", "show", "ALICE@Example.org");
        assertThat(show.exitCode()).as(show.toString()).isZero();
        assertThat(show.stdout().lines()).hasSize(2).first().asString()
                .matches("alice@example\\.org in example\\.com: hard-bounce since [-0-9]{10} [:0-9]{8}, until " + TIME.format(until));
        assertThat(show.stdout().lines().toList().get(1)).isEqualTo("  550 5.1.1 no such user");

        var list = facteur(config, "suppression", "list", "--page-size", "1"); // a page an entry: the command walks them all
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.stdout().lines().toList()).satisfiesExactly(
                header -> assertThat(header).startsWith("SCOPE").contains("ADDRESS", "REASON", "CREATED", "EXPIRES", "DIAGNOSTIC"),
                bob -> assertThat(bob).matches("\\*\\s+bob@example\\.org\\s+manual\\s+[-0-9]{10} [:0-9]{8}\\s+never\\s*"),
                alice -> assertThat(alice).matches("example\\.com\\s+alice@example\\.org\\s+hard-bounce\\s+.*  550 5\\.1\\.1 no such user"),
                total -> assertThat(total).isEqualTo("-- 2 entries"));

        // as from a shell: its own JVM, nothing but JSON on stdout
        var json = FacteurCli.jvm("suppression", "list", "--json", "--page-size", "1", "--config", config.toString());
        assertThat(json.exitCode()).as(json.toString()).isZero();
        JsonNode entries = new JsonMapper().readTree(json.stdout());
        assertThat(entries.valueStream().map(e -> e.path("scope").asString() + " " + e.path("address").asString() + " "
                + e.path("reason").asString() + " " + e.path("expires").isNull()).toList())
                .containsExactly("* bob@example.org manual true", "example.com alice@example.org hard-bounce false");

        var remove = facteur(config, "suppression", "remove", "alice@example.org");
        assertThat(remove.stdout().strip()).as(remove.toString()).isEqualTo("alice@example.org removed from example.com");
        var gone = facteur(config, "suppression", "show", "alice@example.org");
        assertThat(gone.exitCode()).isEqualTo(1);
        assertThat(gone.stderr().strip()).isEqualTo("facteur: alice@example.org is not on the suppression list");
        assertThat(gone.stdout()).isEmpty();
        assertThat(facteur(config, "suppression", "list", "--scope", "example.com").stdout().strip())
                .isEqualTo("The suppression list is empty in example.com");
        assertThat(facteur(config, "suppression", "list", "--json", "--scope", "example.com").stdout().strip()).isEqualTo("[]");
    }

    @Test
    void badInputIsRefusedAndSaysWhy() throws Exception {
        Path config = server("data", c -> c);
        var notAnAddress = facteur(config, "suppression", "add", "alice");
        assertThat(notAnAddress.exitCode()).isEqualTo(1);
        assertThat(notAnAddress.stderr().strip()).isEqualTo("facteur: address: not an address: alice");
        var badReason = facteur(config, "suppression", "add", "alice@example.org", "--reason", "spam");
        assertThat(badReason.stderr().strip()).isEqualTo("facteur: reason: one of hard-bounce, complaint, soft-bounces, unsubscribe, manual");
        var badDuration = facteur(config, "suppression", "add", "alice@example.org", "--for", "3 weeks");
        assertThat(badDuration.exitCode()).isEqualTo(2);
        assertThat(badDuration.stderr().strip()).isEqualTo("facteur: --for: expected a duration such as 30d, 12h, 90m or 45s, or never");
        assertThat(facteur(config, "suppression", "list").stdout().strip()).isEqualTo("The suppression list is empty");
    }

    @Test
    void helpNamesTheCommandsAndTheirOptions() {
        var help = FacteurCli.run("suppression", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.stdout()).contains("list", "show", "add", "remove", "Usage: facteur suppression");
        var add = FacteurCli.run("suppression", "add", "--help");
        assertThat(add.stdout()).contains("--scope", "--reason", "--for", "--note", "(default: *)", "(default: never)");
    }

    @Test
    void twoNodesOnOneRedisShareTheList() throws Exception {
        RedisServer redis = RedisServer.start(null);
        running.add(redis);
        UnaryOperator<TestConfig> shared = c -> c.tables("[policy]\nstore = \"" + redis.uri() + "\"");
        Path one = server("one", shared);
        Path two = server("two", shared);
        assertThat(facteur(one, "suppression", "add", "carol@example.org", "--scope", "shop.example.com", "--reason", "complaint")
                .exitCode()).isZero();
        assertThat(facteur(two, "suppression", "show", "carol@example.org").stdout())
                .startsWith("carol@example.org in shop.example.com: complaint since ");
        assertThat(facteur(two, "suppression", "remove", "carol@example.org", "--scope", "shop.example.com").exitCode()).isZero();
        assertThat(facteur(one, "suppression", "show", "carol@example.org").exitCode()).isEqualTo(1);
    }

    @Test
    void theRatesOfSenderDomainsAreATableOfCounts() throws Exception {
        Path config = server("data", c -> c);

        var none = facteur(config, "suppression", "rates");
        assertThat(none.exitCode()).as(none.toString()).isZero();
        assertThat(none.stdout().strip()).isEqualTo("No mail sent since the server started");
        var named = facteur(config, "suppression", "rates", "news.example.com");
        assertThat(named.stdout().lines().toList()).hasSize(3).first().asString().startsWith("SENDER DOMAIN");
        assertThat(named.stdout().lines().toList().get(1)).matches("news\\.example\\.com +1d +0 +0 +0 +0\\.00 +0\\.000");
    }
}

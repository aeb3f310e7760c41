package dev.facteur.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.net.HostPort;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.TestConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code facteur address}: what the server would do with an address, told from the configuration alone. */
class AddressCommandTest {

    @TempDir
    Path dir;

    private ExternalProcess.Result run(String... args) throws Exception {
        Files.writeString(dir.resolve("aliases"), "info: alice, friend@remote.example\n");
        Files.writeString(dir.resolve("transport"), "partner.example  smtp:[127.0.0.5]:2525\n");
        Path config = TestConfig.in(dir.resolve("data")).hostname("mx.example.test").dns(new HostPort("127.0.0.1", 9)).tables("""
                [relay]
                networks = ["127.0.0.1/32"]
                [local]
                domains = ["example.test"]
                users = ["alice"]
                aliases_file = '%s'
                maildir = "/var/mail/{domain}/{user}"
                [routing]
                transport_file = '%s'
                """.formatted(dir.resolve("aliases"), dir.resolve("transport"))).writeTo(dir.resolve("facteur.toml"));
        String[] all = new String[args.length + 2];
        all[0] = "address";
        all[1] = "--config=" + config;
        System.arraycopy(args, 0, all, 2, args.length);
        return FacteurCli.run(all);
    }

    @Test
    void showsWhereAnAliasLeadsAndHowEachAddressLeaves() throws Exception {
        var r = run("info@example.test", "Alice+news@Example.Test", "x@partner.example");
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).isEqualTo("""
                info@example.test: accepted, 2 recipients
                  alice@example.test  ->  local, maildir /var/mail/example.test/alice
                  friend@remote.example  ->  smtp, MX of remote.example
                Alice+news@Example.Test: accepted
                  Alice+news@Example.Test  ->  local, maildir /var/mail/example.test/alice
                x@partner.example: accepted
                  x@partner.example  ->  smtp:[127.0.0.5]:2525
                """);
    }

    @Test
    void refusalsAreTheRepliesAClientWouldGet() throws Exception {
        var r = run("--client=127.0.0.77", "nobody@example.test", "x@partner.example");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stdout()).isEqualTo("""
                nobody@example.test: refused: 550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown
                x@partner.example: refused: 554 5.7.1 Relay access denied
                """);
    }
}

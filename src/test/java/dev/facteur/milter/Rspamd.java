package dev.facteur.milter;

import dev.facteur.net.HostPort;
import dev.facteur.testing.Daemon;
import dev.facteur.testing.Loopback;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A private rspamd for tests: its proxy worker in milter mode, scanning itself, on a loopback
 * host of its own, with a configuration of a few lines and nothing else: no modules but one
 * test rule, no redis, and its only DNS server a port where nothing listens, so it never sends
 * a packet off loopback. GTUBE needs nothing more: rspamd's core rejects it.
 */
public final class Rspamd implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/rspamd");
    /** rspamd cannot say which port it got: its usual one, on a host of its own. */
    private static final int PORT = 11332;
    /** A subject with this scores 7: more than the add-header threshold (6), less than reject (15). */
    public static final String SPAMMY_SUBJECT = "make money fast";

    private final Daemon daemon;
    private final MilterAddress address;

    private Rspamd(Daemon daemon, MilterAddress address) {
        this.daemon = daemon;
        this.address = address;
    }

    public static Rspamd start(Path dir) throws IOException {
        return Daemon.onSomeAddress(() -> startOn(Loopback.host(), dir));
    }

    private static Rspamd startOn(String host, Path dir) throws IOException {
        Path rules = dir.resolve("rules.lua");
        Files.writeString(rules, """
                rspamd_config:register_symbol({
                  name = 'FACTEUR_TEST_SUBJECT',
                  score = 7.0,
                  callback = function(task)
                    local s = task:get_subject()
                    return s ~= nil and s:find('%s', 1, true) ~= nil
                  end
                })
                """.formatted(SPAMMY_SUBJECT));
        Path conf = dir.resolve("rspamd.conf");
        Files.writeString(conf, """
                lua = "%s";
                options {
                  pidfile = "%s/rspamd.pid";
                  hs_cache_dir = "%s";
                  dns {
                    nameserver = ["%s:1"];
                    timeout = 1s;
                    retransmits = 1;
                  }
                }
                logging {
                  type = "console";
                  level = "info";
                }
                actions {
                  reject = 15;
                  add_header = 6;
                }
                worker "rspamd_proxy" {
                  bind_socket = "%s:%d";
                  milter = yes;
                  timeout = 120s;
                  count = 1;
                  upstream "local" {
                    default = yes;
                    self_scan = yes;
                  }
                }
                """.formatted(rules, dir, dir, host, host, PORT));
        var at = new InetSocketAddress(host, PORT);
        // -f: in the foreground, a child of the test; -i: as root too, which CI is
        Daemon d = Daemon.start("rspamd on " + host + ":" + PORT, List.of(BINARY.toString(), "-f", "-i", "-c", conf.toString(),
                "--var", "DBDIR=" + dir, "--var", "RUNDIR=" + dir), dir.resolve("rspamd.log"), self -> self.listensOn(at, true));
        return new Rspamd(d, new MilterAddress.Inet(new HostPort(host, PORT)));
    }

    public MilterAddress address() {
        return address;
    }

    /** What rspamd logged so far. */
    public String log() {
        return daemon.log();
    }

    @Override
    public void close() {
        daemon.close();
    }
}

package dev.facteur.milter;

import dev.facteur.testing.Daemon;
import dev.facteur.testing.Loopback;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * spamd and spamass-milter for tests: spamd on a loopback host of its own with local tests only
 * ({@code --local}: no DNS blocklists, Razor, Pyzor or DCC; no Bayes, no DNS at all), and
 * spamass-milter on a unix socket, rejecting at score 15, asking that spamd through spamc.
 */
final class SpamAssassin implements AutoCloseable {

    static final Path SPAMD = Path.of("/usr/sbin/spamd");
    static final Path MILTER = Path.of("/usr/sbin/spamass-milter");
    private static final int PORT = 7830;

    private final Daemon spamd;
    private final Daemon milter;
    private final MilterAddress address;

    private SpamAssassin(Daemon spamd, Daemon milter, MilterAddress address) {
        this.spamd = spamd;
        this.milter = milter;
        this.address = address;
    }

    static SpamAssassin start(Path dir) throws IOException {
        // spamd's children drop root for nobody, who must read the configuration: not a private 0700 folder
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        // the site configuration: Debian's plugin loaders (.pre), and what keeps spamd off the network
        try (DirectoryStream<Path> pre = Files.newDirectoryStream(Path.of("/etc/spamassassin"), "*.pre")) {
            for (Path p : pre) Files.copy(p, dir.resolve(p.getFileName()));
        }
        Files.writeString(dir.resolve("local.cf"), """
                use_bayes 0
                bayes_auto_learn 0
                skip_rbl_checks 1
                dns_available no
                """);
        Spamd spamd = Daemon.onSomeAddress(() -> startSpamd(Loopback.host(), dir));
        try {
            Path socket = dir.resolve("spamass.sock");
            Daemon milter = Daemon.start("spamass-milter on " + socket, List.of(MILTER.toString(), "-p", socket.toString(), "-r", "15",
                    "--", "-d", spamd.host(), "-p", Integer.toString(PORT)), dir.resolve("spamass-milter.log"), self -> accepts(socket));
            return new SpamAssassin(spamd.daemon(), milter, new MilterAddress.Unix(socket));
        } catch (IOException | RuntimeException e) {
            spamd.daemon().close();
            throw e;
        }
    }

    private record Spamd(Daemon daemon, String host) {}

    private static Spamd startSpamd(String host, Path dir) throws IOException {
        var at = new InetSocketAddress(host, PORT);
        return new Spamd(Daemon.start("spamd on " + host + ":" + PORT, List.of(SPAMD.toString(), "--listen=" + host + ":" + PORT, "--local",
                "--siteconfigpath=" + dir, "--nouser-config", "--max-children=1", "--min-children=1", "--syslog=stderr",
                "--pidfile=" + dir.resolve("spamd.pid")), dir.resolve("spamd.log"), self -> self.listensOn(at, true)), host);
    }

    /** The milter's socket takes connections (libmilter binds, then listens). */
    private static boolean accepts(Path socket) {
        if (!Files.exists(socket)) return false;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    MilterAddress address() {
        return address;
    }

    @Override
    public void close() {
        milter.close();
        spamd.close();
    }
}

package dev.facteur.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A private Postfix for tests, as a sending MTA: its smtpd takes mail on a loopback host of its
 * own ({@link Loopback}) and port 25, and relays everything to one server ({@code relayhost}),
 * connecting from that same host. Everything it writes stays under its work directory (no
 * {@code /etc/postfix}, no system queue); its master runs in the foreground as a child of the
 * JVM ({@code postfix start-fg}) and {@link #close()} stops it. Needs root, as Postfix does.
 */
public final class PrivatePostfix implements AutoCloseable {

    public static final Path POSTFIX = Path.of("/usr/sbin/postfix");
    public static final Path POSTQUEUE = Path.of("/usr/sbin/postqueue");

    private final Daemon process;
    private final Path dir;
    private final InetSocketAddress smtpd;

    private PrivatePostfix(Daemon process, Path dir, InetSocketAddress smtpd) {
        this.process = process;
        this.dir = dir;
        this.smtpd = smtpd;
    }

    /**
     * Starts a Postfix that relays to {@code relay} with its smtp client on its own host.
     *
     * @param workDir under /tmp or another place every user can traverse: Postfix's own user
     *                must reach its data directory
     */
    public static PrivatePostfix start(Path workDir, InetSocketAddress relay) throws IOException, InterruptedException {
        return start(workDir, relay, Loopback.host(), "");
    }

    /**
     * As {@link #start(Path, InetSocketAddress)}, on {@code host} (from {@link Loopback#host()}, so
     * that others can be told where it will be before it starts), with more {@code main.cf} lines.
     */
    public static PrivatePostfix start(Path workDir, InetSocketAddress relay, String host, String moreMainCf)
            throws IOException, InterruptedException {
        var smtpd = new InetSocketAddress(host, 25);
        Path dir = workDir.toAbsolutePath();
        for (String sub : List.of("etc", "spool", "data", "log")) Files.createDirectories(dir.resolve(sub));
        for (Path p = dir; p != null && p.startsWith(Path.of("/tmp")) && !p.equals(Path.of("/tmp")); p = p.getParent())
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        ExternalProcess.run(List.of("chown", "postfix", dir.resolve("data").toString()));
        Files.writeString(dir.resolve("etc/main.cf"), """
                # a private test instance; the system's Postfix is never touched. inet_interfaces must name
                # configured interface addresses: the smtpd below binds its own loopback host anyway
                compatibility_level = 3.6
                config_directory = %1$s/etc
                queue_directory = %1$s/spool
                data_directory = %1$s/data
                syslog_name = postfix-test
                maillog_file = %1$s/log/maillog
                maillog_file_prefixes = %1$s
                myhostname = postfix.sender.test
                mydomain = sender.test
                myorigin = $myhostname
                mydestination =
                inet_interfaces = loopback-only
                inet_protocols = ipv4
                mynetworks = %2$s/32, 127.0.0.1/32
                relayhost = [%3$s]:%4$d
                smtp_bind_address = %2$s
                smtp_host_lookup = native
                smtp_dns_support_level = disabled
                alias_maps =
                alias_database =
                local_transport = error:local delivery disabled
                biff = no
                # retry a deferred message as soon as it is flushed, however recently it was tried
                minimal_backoff_time = 1s
                maximal_backoff_time = 1s
                """.formatted(dir, host, relay.getHostString(), relay.getPort()) + moreMainCf, StandardCharsets.US_ASCII);
        // chroot = n everywhere: the private queue directory has no chroot environment
        Files.writeString(dir.resolve("etc/master.cf"), """
                %s:25 inet n - n - - smtpd
                pickup     unix  n - n 60 1 pickup
                cleanup    unix  n - n - 0 cleanup
                qmgr       unix  n - n 300 1 qmgr
                tlsmgr     unix  - - n 1000? 1 tlsmgr
                rewrite    unix  - - n - - trivial-rewrite
                bounce     unix  - - n - 0 bounce
                defer      unix  - - n - 0 bounce
                trace      unix  - - n - 0 bounce
                verify     unix  - - n - 1 verify
                flush      unix  n - n 1000? 0 flush
                proxymap   unix  - - n - - proxymap
                proxywrite unix  - - n - 1 proxymap
                smtp       unix  - - n - - smtp
                relay      unix  - - n - - smtp
                showq      unix  n - n - - showq
                error      unix  - - n - - error
                retry      unix  - - n - - error
                discard    unix  - - n - - discard
                anvil      unix  - - n - 1 anvil
                scache     unix  - - n - 1 scache
                postlog    unix-dgram n - n - 1 postlogd
                """.formatted(host), StandardCharsets.US_ASCII);
        Daemon d = Daemon.start("postfix on " + host, List.of(POSTFIX.toString(), "-c", dir.resolve("etc").toString(), "start-fg"),
                dir.resolve("postfix.out"), self -> self.listensOn(smtpd, true));
        return new PrivatePostfix(d, dir, smtpd);
    }

    /** Where it takes mail. */
    public InetSocketAddress smtpd() {
        return smtpd;
    }

    /** The address its smtp client connects from. */
    public String clientAddress() {
        return smtpd.getHostString();
    }

    /** Tries every queued message again now ({@code postqueue -f}). */
    public void flush() throws IOException, InterruptedException {
        ExternalProcess.run(List.of(POSTQUEUE.toString(), "-c", dir.resolve("etc").toString(), "-f"));
    }

    /** Its mail log: one line per delivery attempt, with the relay's reply. */
    public String maillog() throws IOException {
        Path log = dir.resolve("log/maillog");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    @Override
    public void close() {
        try {
            ExternalProcess.run(List.of(POSTFIX.toString(), "-c", dir.resolve("etc").toString(), "stop"));
        } catch (IOException | InterruptedException | RuntimeException e) {
            // the master is killed below anyway
        }
        process.close();
    }
}

package dev.facteur.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A private Dovecot for tests: LMTP in, IMAP out, on a loopback address and two free high ports.
 * Everything it writes stays under the work directory given: its configuration (nothing from
 * {@code /etc/dovecot}), sockets, state, log and the users' maildirs. It runs in the foreground
 * as a child of the JVM and {@link #close()} stops it.
 *
 * <pre>{@code
 * var alice = new Dovecot.User("alice@example.test", "secret");
 * try (var dovecot = Dovecot.start(tempDir, "127.0.0.41", List.of(alice))) {
 *     // deliver to dovecot.lmtpAddress() with RCPT TO:<alice@example.test>, then:
 *     List<String> inbox = dovecot.fetchAll(alice);
 * }
 * }</pre>
 *
 * Users exist only in a passwd-file with plaintext passwords; IMAP accepts them without TLS
 * ({@code ssl = no}). LMTP refuses any other recipient with {@code 550 5.1.1}. Dovecot will not
 * store mail as root: when the tests run as root (CI, containers) mail is stored as the system
 * user {@code mail}, so the work directory is made traversable ({@code rwx--x--x}).
 */
public final class Dovecot implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/sbin/dovecot");
    private static final Duration STARTUP = Duration.ofSeconds(15);
    private static final Duration STOP = Duration.ofSeconds(5);
    private static final JsonMapper JSON = new JsonMapper();

    /** A mailbox: its address is both the LMTP recipient and the IMAP login name. */
    public record User(String address, String password) {
        public User {
            address = address.toLowerCase(Locale.ROOT); // Dovecot looks users up as %Lu
            if (!address.matches("[a-z0-9._+-]+@[a-z0-9-]+(\\.[a-z0-9-]+)*"))
                throw new IllegalArgumentException("not a simple address: " + address);
            if (password.isEmpty() || password.matches(".*[:\\s].*"))
                throw new IllegalArgumentException("password must be non-empty, without ':' or spaces");
        }

        String localPart() {
            return address.substring(0, address.indexOf('@'));
        }

        String domain() {
            return address.substring(address.indexOf('@') + 1);
        }
    }

    private final Process process;
    private final Path workDir;
    private final InetSocketAddress lmtp;
    private final InetSocketAddress imap;
    private boolean closed;

    private Dovecot(Process process, Path workDir, InetSocketAddress lmtp, InetSocketAddress imap) {
        this.process = process;
        this.workDir = workDir;
        this.lmtp = lmtp;
        this.imap = imap;
    }

    public static boolean isInstalled() {
        return Files.isExecutable(BINARY) && Files.isExecutable(Path.of("/usr/lib/dovecot/lmtp"))
                && Files.isExecutable(Path.of("/usr/lib/dovecot/imap"));
    }

    /**
     * Starts Dovecot with these users, listening on {@code listenIp} (a 127.x address), and returns
     * once both LMTP and IMAP greet. {@code workDir} should be empty (a {@code @TempDir}) and its
     * path short: Dovecot's unix sockets live in it.
     */
    public static Dovecot start(Path workDir, String listenIp, List<User> users) throws IOException {
        if (!InetAddress.getByName(listenIp).isLoopbackAddress())
            throw new IllegalArgumentException("tests listen on loopback only, not " + listenIp);
        workDir = workDir.toAbsolutePath();
        if (workDir.toString().matches(".*[\\s\"#].*") || workDir.toString().length() > 60)
            throw new IllegalArgumentException("work directory path must be short and plain (unix sockets live there): " + workDir);
        // Free ports found here may be taken by someone else before Dovecot binds them: try again then.
        for (int attempt = 1; ; attempt++) {
            int[] ports = freePorts(listenIp, 2);
            try {
                return startOnce(workDir, new InetSocketAddress(listenIp, ports[0]),
                        new InetSocketAddress(listenIp, ports[1]), users);
            } catch (PortTaken e) {
                if (attempt == 5) throw e;
            }
        }
    }

    public InetSocketAddress lmtpAddress() {
        return lmtp;
    }

    /** The LMTP unix socket, as most Dovecot installations offer LMTP to the local MTA. */
    public Path lmtpSocket() {
        return workDir.resolve("run").resolve("lmtp");
    }

    public InetSocketAddress imapAddress() {
        return imap;
    }

    /** The user's maildir (with {@code new/}, {@code cur/}, {@code tmp/} once mail arrived). */
    public Path maildir(String address) {
        var user = new User(address, "-");
        return workDir.resolve("mail").resolve(user.domain()).resolve(user.localPart()).resolve("Maildir");
    }

    /** Everything Dovecot logged so far: its log file, then what it wrote to stdout and stderr. */
    public String log() {
        try {
            return log(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The messages in the user's INBOX, oldest first, read over IMAP with Python's imaplib. */
    public List<String> fetchAll(User user) throws IOException, InterruptedException {
        return fetchAll(user.address(), user.password());
    }

    /**
     * The messages in a user's INBOX, oldest first, as RFC 822 texts (CRLF line ends, decoded as
     * UTF-8), read over IMAP with Python's imaplib ({@code it/imap_fetch.py}). The mailbox is only
     * EXAMINEd: nothing is marked \Seen. A failed login or fetch is an AssertionError with the log.
     */
    public List<String> fetchAll(String user, String password) throws IOException, InterruptedException {
        var result = ExternalProcess.run(Duration.ofSeconds(30), List.of("python3", script().toString(),
                imap.getHostString(), Integer.toString(imap.getPort()), user, password, "INBOX"));
        if (result.exitCode() != 0)
            throw new AssertionError("IMAP fetch for " + user + " failed: " + result + "\n--- dovecot log:\n" + log());
        List<String> messages = new ArrayList<>();
        for (JsonNode m : JSON.readTree(result.stdout()).get("messages"))
            messages.add(new String(Base64.getDecoder().decode(m.asString()), StandardCharsets.UTF_8));
        return messages;
    }

    /** Stops Dovecot (SIGTERM, SIGKILL after 5 s) and its services. The work directory is left to its owner. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        stop(process);
    }

    private static Dovecot startOnce(Path workDir, InetSocketAddress lmtp, InetSocketAddress imap, List<User> users)
            throws IOException {
        Files.createDirectories(workDir);
        Path passwd = workDir.resolve("passwd");
        Path conf = workDir.resolve("dovecot.conf");
        Files.deleteIfExists(workDir.resolve("dovecot.log")); // from an attempt on a port taken meanwhile
        var identity = Identity.current();
        identity.prepareMailRoot(workDir);
        Files.write(passwd, passwdLines(workDir, users), StandardCharsets.UTF_8);
        Files.write(conf, config(workDir, lmtp, imap, passwd, identity), StandardCharsets.UTF_8);
        Process process = new ProcessBuilder(BINARY.toString(), "-F", "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("dovecot.out").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (!greets(lmtp, "220 ") || !greets(imap, "* OK")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String state = process.isAlive() ? "still running, stopped" : "exit " + process.exitValue();
                stop(process);
                String text = log(workDir);
                if (text.contains("Address already in use")) throw new PortTaken(text);
                throw new IOException("Dovecot did not start within " + STARTUP.toSeconds() + " s (LMTP " + lmtp
                        + ", IMAP " + imap + ", " + state + "):\n" + text);
            }
            sleep(Duration.ofMillis(20));
        }
        return new Dovecot(process, workDir, lmtp, imap);
    }

    /**
     * Who Dovecot's processes run as. Dovecot refuses root for two of them, whatever the
     * configuration says: login processes ("imap-login: Fatal: This process must not be run as
     * root") and mail access ("Couldn't drop privileges: Mail access not allowed for root"). So as
     * root, imap-login runs as {@code dovenull} (created by the Debian package) and mail is stored
     * as {@code mail:mail}; the rest stays root. Unprivileged, everything runs as the current user
     * and nothing may chroot.
     */
    private record Identity(boolean root, String internalUser, String internalGroup, String loginUser,
            String mailUser, String mailGroup) {

        static Identity current() throws IOException {
            Path self = Path.of("/proc/self"); // owned by this process's uid and gid
            if ((Integer) Files.getAttribute(self, "unix:uid") == 0)
                return new Identity(true, "root", "root", exists("dovenull") ? "dovenull" : "nobody", "mail", "mail");
            var attributes = Files.readAttributes(self, PosixFileAttributes.class);
            String user = attributes.owner().getName();
            String group = attributes.group().getName();
            return new Identity(false, user, group, user, user, group);
        }

        /** As root, mail is written as {@code mail}, which must reach {@code workDir/mail}. */
        void prepareMailRoot(Path workDir) throws IOException {
            Path mail = Files.createDirectories(workDir.resolve("mail"));
            if (!root) return;
            var names = workDir.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(mail, names.lookupPrincipalByName(mailUser));
            Files.getFileAttributeView(mail, PosixFileAttributeView.class)
                    .setGroup(names.lookupPrincipalByGroupName(mailGroup));
            Files.setPosixFilePermissions(mail, PosixFilePermissions.fromString("rwx------"));
            // A @TempDir is rwx------. Group too: lmtp and imap keep the internal group (root) as an
            // extra group, and for a member of its group a directory's group bits are the ones that count.
            // The same for every folder above it inside the temporary directory (a @TempDir's subfolder).
            Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
            for (Path p = workDir.toAbsolutePath(); p != null && p.startsWith(tmp) && !p.equals(tmp); p = p.getParent()) {
                var dirMode = new HashSet<>(Files.getPosixFilePermissions(p));
                dirMode.add(PosixFilePermission.GROUP_EXECUTE);
                dirMode.add(PosixFilePermission.OTHERS_EXECUTE);
                Files.setPosixFilePermissions(p, dirMode);
            }
        }

        private static boolean exists(String user) {
            try {
                FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(user);
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }

    /**
     * A complete configuration, read instead of /etc/dovecot/dovecot.conf. What matters:
     * <ul>
     * <li>{@code base_dir}, {@code state_dir}, {@code log_path}: under the work directory, so
     *     instances run side by side and nothing in /run, /var/lib or syslog is touched;
     * <li>the users of {@link Identity}, with {@code first_valid_uid} / {@code first_valid_gid}
     *     lowered to 1 (the defaults, 500 and 1, refuse the {@code mail} user, uid 8);
     * <li>{@code disable_plaintext_auth = no} with {@code ssl = no}: IMAP LOGIN without TLS;
     * <li>the passwd-file as userdb too (not a static userdb): LMTP then refuses unknown
     *     recipients at RCPT, with 550 5.1.1;
     * <li>the only inet listeners: LMTP and IMAP on our address and ports; imaps is off.
     * </ul>
     */
    private static List<String> config(Path dir, InetSocketAddress lmtp, InetSocketAddress imap, Path passwd,
            Identity identity) {
        String noChroot = identity.root() ? "" : "  chroot =";  // only root may chroot
        var lines = new ArrayList<>(List.of(
                "# Written by dev.facteur.testing.Dovecot for one test run. Nothing from /etc/dovecot.",
                "instance_name = facteur-test",
                "base_dir = " + dir.resolve("run"),
                "state_dir = " + dir.resolve("state"),
                "log_path = " + dir.resolve("dovecot.log"),
                "hostname = dovecot.test",
                "protocols = lmtp imap",
                "listen = " + lmtp.getHostString(),
                "ssl = no",
                "disable_plaintext_auth = no",
                "auth_mechanisms = plain login",
                "auth_verbose = yes",
                "auth_failure_delay = 0",  // a wrong password is refused at once, not after 2 s
                "default_internal_user = " + identity.internalUser(),
                "default_internal_group = " + identity.internalGroup(),
                "default_login_user = " + identity.loginUser(),
                "mail_uid = " + identity.mailUser(),
                "mail_gid = " + identity.mailGroup(),
                "first_valid_uid = 1",
                "first_valid_gid = 1",
                "mail_location = maildir:~/Maildir",
                "passdb {",
                "  driver = passwd-file",
                "  args = scheme=PLAIN " + passwd,
                "}",
                "userdb {",
                "  driver = passwd-file",
                "  args = " + passwd,
                "}",
                "service lmtp {",
                "  inet_listener lmtp {",
                "    address = " + lmtp.getHostString(),
                "    port = " + lmtp.getPort(),
                "  }",
                "  unix_listener lmtp {",   // base_dir/lmtp, as Dovecot installs usually offer it
                "    mode = 0666",
                "  }",
                "}",
                "service imap-login {",
                noChroot,
                "  inet_listener imap {",
                "    address = " + imap.getHostString(),
                "    port = " + imap.getPort(),
                "  }",
                "  inet_listener imaps {",
                "    port = 0",
                "  }",
                "}",
                "service anvil {",
                noChroot,
                "}",
                "service imap-urlauth-login {",
                noChroot,
                "}"));
        lines.removeIf(String::isEmpty);
        return lines;
    }

    /** passwd-file lines, {@code user:{PLAIN}password:uid:gid:gecos:home:shell:} with uid/gid from mail_uid/mail_gid. */
    private static List<String> passwdLines(Path dir, List<User> users) {
        List<String> lines = new ArrayList<>();
        for (User u : users) {
            Path home = dir.resolve("mail").resolve(u.domain()).resolve(u.localPart());
            lines.add(u.address() + ":{PLAIN}" + u.password() + "::::" + home + "::");
        }
        return lines;
    }

    /** True once a connection is accepted and the server's first line starts with {@code greeting}. */
    private static boolean greets(InetSocketAddress address, String greeting) {
        try (var socket = new Socket()) {
            socket.connect(address, 200);
            socket.setSoTimeout(1000);
            InputStream in = socket.getInputStream();
            var line = new StringBuilder();
            for (int c; (c = in.read()) != -1 && c != '\n'; ) line.append((char) c);
            return line.toString().startsWith(greeting);
        } catch (IOException e) {
            return false;
        }
    }

    private static String log(Path dir) throws IOException {
        var text = new StringBuilder();
        for (String name : List.of("dovecot.log", "dovecot.out")) {
            Path f = dir.resolve(name);
            if (Files.exists(f)) text.append("--- ").append(name).append(":\n").append(Files.readString(f, StandardCharsets.UTF_8));
        }
        return text.toString();
    }

    private static void stop(Process process) {
        // SIGTERM to the master and to its services (anvil, log, config, auth, lmtp, imap...) at once:
        // the master alone would wait for them about a second.
        List<ProcessHandle> services = process.descendants().toList();
        process.destroy();
        services.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS)) process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        services.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    /** {@code n} distinct free TCP ports on {@code address}, held together so they differ. */
    private static int[] freePorts(String address, int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                var s = new ServerSocket(0, 1, InetAddress.getByName(address));
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) s.close();
        }
    }

    private static Path script() {
        try {
            return Path.of(Dovecot.class.getResource("/it/imap_fetch.py").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for Dovecot", e);
        }
    }

    private static final class PortTaken extends IOException {
        PortTaken(String log) {
            super(log);
        }
    }
}

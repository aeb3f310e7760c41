package dev.facteur.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/**
 * A private Dovecot for tests: LMTP in, IMAP out, on a loopback host of its own ({@link Loopback})
 * and two fixed high ports.
 * Everything it writes stays under the work directory given: its configuration (nothing from
 * {@code /etc/dovecot}), sockets, state, log and the users' maildirs. It runs in the foreground
 * as a child of the JVM and {@link #close()} stops it.
 *
 * <pre>{@code
 * var alice = new Dovecot.User("alice@example.test", "secret");
 * try (var dovecot = Dovecot.start(tempDir, List.of(alice))) {
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
    /** Dovecot cannot say which port it got: fixed ones, on a host of its own. */
    private static final int LMTP_PORT = 2424;
    private static final int IMAP_PORT = 1143;

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

    private final Daemon process;
    private final Path workDir;
    private final InetSocketAddress lmtp;
    private final InetSocketAddress imap;
    private boolean closed;

    private Dovecot(Daemon process, Path workDir, InetSocketAddress lmtp, InetSocketAddress imap) {
        this.process = process;
        this.workDir = workDir;
        this.lmtp = lmtp;
        this.imap = imap;
    }

    /**
     * Starts Dovecot with these users and returns once both LMTP and IMAP greet. {@code workDir}
     * should be empty (a {@code @TempDir}) and its path short: Dovecot's unix sockets live in it.
     */
    public static Dovecot start(Path workDir, List<User> users) throws IOException {
        Path dir = workDir.toAbsolutePath();
        if (dir.toString().matches(".*[\\s\"#].*") || dir.toString().length() > 60)
            throw new IllegalArgumentException("work directory path must be short and plain (unix sockets live there): " + dir);
        return Daemon.onSomeAddress(() -> {
            String host = Loopback.host();
            return startOnce(dir, new InetSocketAddress(host, LMTP_PORT), new InetSocketAddress(host, IMAP_PORT), users);
        });
    }

    public InetSocketAddress lmtpAddress() {
        return lmtp;
    }

    /** The LMTP unix socket, as most Dovecot installations offer LMTP to the local MTA. */
    public Path lmtpSocket() {
        return workDir.resolve("run").resolve("lmtp");
    }

    /** Dovecot's authentication socket for clients such as an MTA ({@code base_dir/auth-client}). */
    public Path authSocket() {
        return workDir.resolve("run").resolve("auth-client");
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
        JsonNode result;
        try {
            result = ExternalProcess.python("/it/imap_fetch.py", imap.getHostString(), Integer.toString(imap.getPort()), user, password,
                    "INBOX");
        } catch (AssertionError e) {
            throw new AssertionError("IMAP fetch for " + user + " failed: " + e.getMessage() + "\n--- dovecot log:\n" + log(), e);
        }
        List<String> messages = new ArrayList<>();
        for (JsonNode m : result.get("messages"))
            messages.add(new String(Base64.getDecoder().decode(m.asString()), StandardCharsets.UTF_8));
        return messages;
    }

    /** Stops Dovecot (SIGTERM, SIGKILL after 5 s) and its services. The work directory is left to its owner. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        process.close(); // the master and its services (anvil, log, config, auth, lmtp, imap...) at once
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
        try {
            Daemon d = Daemon.start("dovecot on " + lmtp.getHostString(), List.of(BINARY.toString(), "-F", "-c", conf.toString()),
                    workDir.resolve("dovecot.out"), self -> self.listensOn(lmtp, true) && self.listensOn(imap, true)
                            && greets(lmtp, "220 ") && greets(imap, "* OK"));
            return new Dovecot(d, workDir, lmtp, imap);
        } catch (Daemon.AddressInUse e) {
            throw e;
        } catch (IOException e) {
            String text = log(workDir); // Dovecot says what went wrong in its own log file
            if (text.contains("Address already in use")) throw new Daemon.AddressInUse(text);
            throw new IOException(e.getMessage() + "\n" + text, e);
        }
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
                "service auth {",
                "  unix_listener auth-client {", // base_dir/auth-client: what an MTA asks (Postfix's smtpd_sasl_type = dovecot)
                "    mode = 0666",
                "  }",
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
            socket.connect(address, (int) Patience.EVENT.toMillis());
            socket.setSoTimeout((int) Patience.EVENT.toMillis());
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
}

package dev.facteur.config;

import dev.facteur.admin.TokenFile;
import dev.facteur.auth.srs.SrsSecrets;
import dev.facteur.bounce.VerpSecrets;
import dev.facteur.io.SecretLines;
import dev.facteur.routing.Aliases;
import dev.facteur.routing.CanonicalMap;
import dev.facteur.routing.LocalUsers;
import dev.facteur.routing.MapFile;
import dev.facteur.routing.TransportMap;
import dev.facteur.sasl.UserFile;
import dev.facteur.tls.CertificateFiles;
import dev.facteur.tls.VerifiedTls;
import java.io.IOException;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The files a valid configuration names, read as the server reads them when it starts: the
 * certificates and their keys (and that each key is its certificate's), the users, aliases,
 * canonical and transport tables, the CA files, the secrets and the admin token file. What
 * only a running server can tell (a port someone else holds, a Redis that does not answer, a
 * milter that is down) is not looked at. {@code facteur check-config} and a reload ask this, so
 * that an error names the setting and its line rather than surfacing as a failed start.
 *
 * <p>Files the start creates when missing (secrets, the admin token, the submission users) are
 * checked only when they exist. The checks run as the user who asks: run them as Facteur's.
 */
final class NamedFiles {

    private final Config config;
    private final String source;
    private final KeyLines lines;
    private final List<ConfigProblem> problems = new ArrayList<>();

    private NamedFiles(Config config, String source, KeyLines lines) {
        this.config = config;
        this.source = source;
        this.lines = lines;
    }

    /** Every problem found, in the order of the configuration reference; empty when all is well. */
    static List<ConfigProblem> check(Config config, String source, KeyLines lines) {
        var files = new NamedFiles(config, source, lines);
        files.all();
        return List.copyOf(files.problems);
    }

    @FunctionalInterface
    private interface Reader {
        void read(Path file) throws IOException, MapFile.Invalid;
    }

    private void all() {
        dataDir();
        var local = config.local();
        table("local", "users_file", local.usersFile(), LocalUsers::read);
        table("local", "aliases_file", local.aliasesFile(), Aliases::read);
        var routing = config.routing();
        table("routing", "transport_file", routing.transportFile(), TransportMap::read);
        table("routing", "sender_canonical_file", routing.senderCanonicalFile(), CanonicalMap::read);
        table("routing", "recipient_canonical_file", routing.recipientCanonicalFile(), CanonicalMap::read);
        var auth = config.delivery().auth();
        for (int i = 0; i < auth.size(); i++) authorities("delivery.auth[" + i + "]", auth.get(i).caFile());
        var policies = config.delivery().tlsPolicy();
        for (int i = 0; i < policies.size(); i++) authorities("delivery.tls_policy[" + i + "]", policies.get(i).caFile());
        var sources = config.delivery().sources().addresses();
        for (int i = 0; i < sources.size(); i++) {
            var address = sources.get(i).address();
            try {
                if (NetworkInterface.getByInetAddress(address) == null)
                    problem("delivery.sources[" + i + "]", "address", address.getHostAddress() + " is no address of this machine");
            } catch (SocketException e) {
                problem("delivery.sources[" + i + "]", "address", "cannot tell whether " + address.getHostAddress() + " is ours: " + e.getMessage());
            }
        }
        if (config.delivery().enabled()) {
            try {
                TokenFile.check(config.admin().tokenFile());
            } catch (IOException e) {
                problem("admin", "token_file", e.getMessage());
            }
        }
        config.tls().ifPresent(tls -> {
            pair("tls", tls.certificate(), tls.privateKey());
            for (int i = 0; i < tls.sni().size(); i++) pair("tls.sni[" + i + "]", tls.sni().get(i).certificate(), tls.sni().get(i).privateKey());
        });
        var sub = config.submission();
        if ((sub.enabled() || sub.authOnPort25()) && sub.dovecotAuth().isEmpty() && Files.exists(sub.usersFile()))
            table("submission", "users_file", Optional.of(sub.usersFile()), UserFile::read);
        if (config.srs().enabled()) secrets("srs", config.srs().secretsFile(), SrsSecrets::read);
        if (config.bounces().domain().isPresent()) secrets("bounces", config.bounces().secretsFile(), VerpSecrets::read);
        if (config.unsubscribe().enabled()) secrets("unsubscribe", config.unsubscribe().secretsFile(), file -> {
            if (SecretLines.read(file).isEmpty()) throw new IOException(file + ": no unsubscribe secret in the file");
        });
        var sts = config.mtaSts();
        var tlsPair = config.tls().map(t -> new CertificateFiles.Pair(t.certificate(), t.privateKey()));
        sts.certificate().filter(p -> !Optional.of(p).equals(tlsPair)).ifPresent(p -> pair("mta_sts", p.certificate(), p.privateKey()));
        if (sts.policies()) authorities("mta_sts", sts.caFile());
    }

    /** The spool lives under it: it must be a folder this user may write, or one it may create. */
    private void dataDir() {
        Path dir = config.dataDir().toAbsolutePath();
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) problem("", "data_dir", dir + " is not a folder");
            else if (!Files.isWritable(dir)) problem("", "data_dir", dir + " is not writable by this user");
            return;
        }
        Path parent = dir.getParent();
        while (parent != null && !Files.exists(parent)) parent = parent.getParent();
        if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent))
            problem("", "data_dir", dir + " does not exist and cannot be made here" + (parent == null ? "" : " (" + parent + " is not writable)"));
    }

    /** An operator's table, read with the parser the server uses: its own errors carry its file and line. */
    private void table(String table, String key, Optional<Path> file, Reader parser) {
        if (file.isEmpty()) return;
        if (!Files.isReadable(file.get())) {
            problem(table, key, "cannot read " + file.get());
            return;
        }
        try {
            parser.read(file.get());
        } catch (MapFile.Invalid e) {
            problem(table, key, e.getMessage());
        } catch (IOException e) {
            problem(table, key, "cannot read " + file.get() + ": " + e.getMessage());
        }
    }

    /** A certificate and its key: both read, and the key is the certificate's. */
    private void pair(String table, Path certificate, Path key) {
        boolean readable = true;
        if (!Files.isReadable(certificate)) {
            problem(table, "certificate", "cannot read " + certificate);
            readable = false;
        }
        if (!Files.isReadable(key)) {
            problem(table, "private_key", "cannot read " + key);
            readable = false;
        }
        if (!readable) return;
        try {
            CertificateFiles.check(new CertificateFiles.Pair(certificate, key));
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            problem(table, m.startsWith(key.toString()) ? "private_key" : "certificate", m);
        }
    }

    /** Authorities trusted besides the JDK's: a PEM file of certificates. */
    private void authorities(String table, Optional<Path> caFile) {
        if (caFile.isEmpty()) return;
        try {
            VerifiedTls.context(caFile);
        } catch (IOException | RuntimeException e) {
            String m = String.valueOf(e.getMessage());
            problem(table, "ca_file", m.startsWith(caFile.get().toString()) ? m : caFile.get() + ": " + m);
        }
    }

    /** A secrets file the start makes when missing; one that exists must read. */
    private void secrets(String table, Path file, Reader reader) {
        if (Files.notExists(file)) return;
        try {
            reader.read(file);
        } catch (IOException | MapFile.Invalid e) {
            problem(table, "secrets_file", e.getMessage());
        }
    }

    /** {@code table}: as {@link KeyLines} knows it ({@code tls.sni[1]}); the message names it without the index. */
    private void problem(String table, String key, String message) {
        int line = lines.lineOf(table, key);
        if (line == 0) line = lines.lineOfTable(table);
        String shown = table.replaceAll("\\[\\d+]", "");
        problems.add(new ConfigProblem(source, line, shown.isEmpty() ? key : shown + "." + key, message));
    }
}

package dev.facteur.admin;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file of admin tokens ({@code [admin] token_file}), readable by Facteur's user alone:
 * whoever can read it may operate the queue, as only the superuser may run Postfix's
 * {@code postsuper}. One token per line, {@code TOKEN [read|operate] [# note]}; {@code #} starts
 * a comment, on a line of its own or after the token.
 *
 * <p>A token without a scope is {@code operate}, as every token was before scopes existed. Any
 * other word after the token is refused, with its line: a misspelt {@code raed} must not leave a
 * dashboard's token able to delete mail while its owner believes it read-only.
 */
public final class TokenFile {

    private static final Logger log = LoggerFactory.getLogger("facteur.admin");

    /** RFC 6750 b64token characters, and enough of them to be a secret rather than a password. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~+/-]{32,}=*");
    private static final int RANDOM_BYTES = 32; // 256 bits

    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private TokenFile() {}

    /**
     * The server's tokens: creates the file with one random token when it does not exist, then
     * refuses a file or folder that other users could read or change.
     */
    static List<Token> loadOrCreate(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (Files.notExists(file)) create(file, dir, newToken() + "\n");
        return load(file);
    }

    /** The tokens of an existing file, checked as at start-up: a reload reads them again with this. */
    static List<Token> load(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        checkFolder(dir, file);
        checkMode(file);
        List<Token> tokens = parse(Files.readString(file, StandardCharsets.UTF_8), file);
        if (tokens.isEmpty()) throw new IOException(file + ": no token in the admin token file ([admin] token_file); "
                + "delete it and Facteur writes a new one at start-up");
        return tokens;
    }

    /**
     * What the server's start would say of an existing token file, without creating one
     * ({@code facteur check-config}): a file or folder others could read or change, or no token.
     */
    public static void check(Path file) throws IOException {
        if (Files.notExists(file)) return; // the start writes it
        checkFolder(file.toAbsolutePath().getParent(), file);
        checkMode(file);
        if (parse(Files.readString(file, StandardCharsets.UTF_8), file).isEmpty())
            throw new IOException(file + ": no token in the admin token file; delete it and Facteur writes a new one at start-up");
    }

    /**
     * The token a client sends ({@code facteur queue hold}, ...): the first that may operate, since
     * those commands change the queue; the first of all when every token is read-only (the server
     * then says why it refuses).
     */
    public static String clientToken(Path file) throws IOException {
        String first = null;
        for (String line : Files.readString(file, StandardCharsets.UTF_8).split("\n", -1)) {
            String[] words = words(line);
            if (words.length == 0) continue;
            if (words.length == 1 || Scope.of(words[1]) != Scope.READ) return words[0];
            if (first == null) first = words[0];
        }
        if (first != null) return first;
        throw new IOException(file + ": no token in the admin token file");
    }

    /**
     * Adds a new random token to the file, creating the file when it does not exist, and returns
     * it. The file is written whole under another name and renamed over the old one, so that a
     * server reading it meanwhile sees the old tokens or the new ones, never half a line; the new
     * file keeps the old one's owner and group (root adding a token for Facteur's user must not
     * leave a file that user cannot read) and mode 0600.
     *
     * @param note said after the token, {@code # note}, to tell what it is for; null for none
     */
    public static String add(Path file, boolean readOnly, String note) throws IOException {
        if (note != null && (note.contains("\n") || note.contains("\r")))
            throw new IllegalArgumentException("a note is one line");
        String token = newToken();
        String line = token + (readOnly ? " " + Scope.READ.word() : "") + (note == null || note.isBlank() ? "" : "  # " + note.strip()) + "\n";
        Path dir = file.toAbsolutePath().getParent();
        if (Files.notExists(file) && create(file, dir, line)) return token;
        // refuses a file others may read, or one with a line the server would refuse
        checkFolder(dir, file);
        checkMode(file);
        parse(Files.readString(file, StandardCharsets.UTF_8), file);
        String old = Files.readString(file, StandardCharsets.UTF_8);
        String text = old + (old.isEmpty() || old.endsWith("\n") ? "" : "\n") + line;
        Path tmp = writeAside(dir, file, text);
        var owner = Files.getFileAttributeView(file, PosixFileAttributeView.class).readAttributes();
        var view = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
        if (!view.readAttributes().owner().equals(owner.owner())) view.setOwner(owner.owner());
        if (!view.readAttributes().group().equals(owner.group())) view.setGroup(owner.group());
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncFolder(dir);
        return token;
    }

    /** The words of a line before its comment; none for a blank or comment line. */
    private static String[] words(String line) {
        int hash = line.indexOf('#'); // no token holds a '#': what follows it is a note
        String t = (hash < 0 ? line : line.substring(0, hash)).strip();
        return t.isEmpty() ? new String[0] : t.split("\\s+");
    }

    static List<Token> parse(String text, Path file) throws IOException {
        List<Token> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String[] words = words(lines[i]);
            if (words.length == 0) continue;
            // Never echo the line: it is a secret, and error messages end up in logs.
            if (!TOKEN.matcher(words[0]).matches())
                throw new IOException(file + ":" + (i + 1) + ": not a token (at least 32 of A-Z a-z 0-9 - . _ ~ + /)");
            Scope scope = words.length == 1 ? Scope.OPERATE : Scope.of(words[1]);
            if (scope == null || words.length > 2)
                throw new IOException(file + ":" + (i + 1) + ": after the token, only its scope (read or operate) and a # note");
            out.add(Token.of(words[0], i + 1, scope));
        }
        return List.copyOf(out);
    }

    /** A new token: 256 random bits, base64url (43 characters). */
    static String newToken() {
        byte[] bytes = new byte[RANDOM_BYTES];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A new token file whose token lines are {@code lines}; false when another process created one first. */
    private static boolean create(Path file, Path dir, String lines) throws IOException {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        String text = """
                # Facteur's admin tokens, sent as "Authorization: Bearer TOKEN" to [admin] listen.
                # One per line: TOKEN [read|operate] [# note]; no scope is operate. `facteur queue hold|...`
                # sends the first operate token. Readable by Facteur's user only.
                """ + lines;
        Path tmp = writeAside(dir, file, text);
        try {
            // no REPLACE_EXISTING: where rename would replace, the JDK's move refuses instead
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(tmp); // another start created it first: use theirs
            return false;
        }
        syncFolder(dir);
        log.info("admin: created the token file {} (mode 0600)", file);
        return true;
    }

    /**
     * {@code text} in a file beside {@code file}, synced, to be renamed over it: the token file is
     * never seen half written, and the copy has mode 0600 from its first byte (a mode given at
     * creation can only lose bits to the umask).
     */
    private static Path writeAside(Path dir, Path file, String text) throws IOException {
        Path tmp = dir.resolve(file.getFileName() + ".new");
        Files.deleteIfExists(tmp);
        try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
            ch.write(StandardCharsets.UTF_8.encode(text));
            ch.force(true);
        }
        return tmp;
    }

    /** The rename is durable once the folder is synced. */
    private static void syncFolder(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private static void checkMode(Path file) throws IOException {
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        if (!OWNER_ONLY.containsAll(mode))
            throw new IOException(file + ": mode " + octal(mode) + " (" + PosixFilePermissions.toString(mode)
                    + ") lets other users read or change the admin token; it must be readable by Facteur's user only: "
                    + "chmod 600 " + file);
    }

    /** A folder others may write to lets them replace the file with a token of their own. */
    private static void checkFolder(Path dir, Path file) throws IOException {
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
        if (mode.contains(PosixFilePermission.OTHERS_WRITE))
            throw new IOException(dir + ": mode " + octal(mode) + " (" + PosixFilePermissions.toString(mode)
                    + ") lets any user replace the admin token file " + file.getFileName()
                    + "; chmod o-w " + dir + ", or set [admin] token_file elsewhere");
    }

    static String octal(Set<PosixFilePermission> mode) {
        int bits = 0;
        for (PosixFilePermission p : mode) bits |= 1 << (8 - p.ordinal());
        return String.format("%04o", bits);
    }
}

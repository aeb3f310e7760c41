package dev.facteur.admin;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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
 * {@code postsuper}. One token per line; {@code #} starts a comment line.
 *
 * <p>A line holds only the token today. Words after it are reserved for scopes (a read-only
 * token for a dashboard, say) and refused until they mean something, so that no one believes
 * a token is restricted when it is not.
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
        if (Files.notExists(file)) create(file, dir);
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

    /** The token a client sends: the first in the file. */
    public static String clientToken(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        for (String line : text.split("\n", -1)) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("#")) return t.split("\\s+", 2)[0];
        }
        throw new IOException(file + ": no token in the admin token file");
    }

    static List<Token> parse(String text, Path file) throws IOException {
        List<Token> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] words = line.split("\\s+");
            // Never echo the line: it is a secret, and error messages end up in logs.
            if (!TOKEN.matcher(words[0]).matches())
                throw new IOException(file + ":" + (i + 1) + ": not a token (at least 32 of A-Z a-z 0-9 - . _ ~ + /)");
            if (words.length > 1)
                throw new IOException(file + ":" + (i + 1) + ": scopes after a token are not supported yet; "
                        + "write the token alone on its line (it may do everything)");
            out.add(Token.of(words[0], i + 1));
        }
        return List.copyOf(out);
    }

    /** A new token: 256 random bits, base64url (43 characters). */
    static String newToken() {
        byte[] bytes = new byte[RANDOM_BYTES];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static void create(Path file, Path dir) throws IOException {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        String text = """
                # Facteur's admin tokens: `facteur queue flush|hold|...` sends the first as
                # "Authorization: Bearer TOKEN" to [admin] listen. One per line; readable by Facteur's user only.
                %s
                """.formatted(newToken());
        // Written whole under another name, then renamed: the token file is never seen half written,
        // and it has mode 0600 from its first byte (a mode given at creation can only lose bits to the umask).
        Path tmp = dir.resolve(file.getFileName() + ".new");
        Files.deleteIfExists(tmp);
        try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
            ch.write(StandardCharsets.UTF_8.encode(text));
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(tmp); // another start created it first: use theirs
            return;
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
        log.info("admin: created the token file {} (mode 0600)", file);
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

package dev.facteur.sasl;

import dev.facteur.routing.MapFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The users who may log in, in a passwd-style file as Dovecot's {@code passwd-file} reads it:
 * one {@code user:{SCHEME}hash} per line, further colon-separated fields ignored (uid, gid, home,
 * extra fields), {@code #} comments and empty lines skipped. A user is usually a whole address
 * ({@code alice@example.org}). Plain-text passwords are refused, with the line.
 *
 * <p>{@code facteur user} edits it: the file is written whole to a temporary file (mode 0600) and
 * renamed into place, so the server never reads half of it.
 */
public final class UserFile {

    private UserFile() {}

    /** Reads {@code file}; a line that is no user fails with the file and the line. */
    public static Map<String, PasswordHash> read(Path file) throws IOException, MapFile.Invalid {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    public static Map<String, PasswordHash> parse(String text, String where) throws MapFile.Invalid {
        Map<String, PasswordHash> users = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int colon = line.indexOf(':');
            if (colon < 1) throw new MapFile.Invalid(where, i + 1, "expected user:{SCHEME}hash");
            String user = line.substring(0, colon);
            String rest = line.substring(colon + 1);
            int end = rest.indexOf(':');
            String password = end < 0 ? rest : rest.substring(0, end);
            if (users.containsKey(user)) throw new MapFile.Invalid(where, i + 1, "user " + user + " is listed twice");
            try {
                users.put(user, PasswordHash.parse(password));
            } catch (IllegalArgumentException e) {
                throw new MapFile.Invalid(where, i + 1, user + ": " + e.getMessage());
            }
        }
        return Collections.unmodifiableMap(users);
    }

    /**
     * Sets {@code user}'s password ({@code hash}), or removes the user ({@code hash} null), keeping
     * every other line as it is; makes the file (mode 0600) if there is none. Returns whether the
     * user was there before.
     */
    public static boolean update(Path file, String user, PasswordHash hash) throws IOException {
        if (user.isEmpty() || user.contains(":") || user.chars().anyMatch(c -> c <= ' ' || c == 127))
            throw new IllegalArgumentException("a user name has no colon, space or control character: " + user);
        List<String> lines = new ArrayList<>(Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of());
        boolean found = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!line.strip().startsWith(user + ":")) continue;
            found = true;
            if (hash == null) {
                lines.remove(i--);
            } else {
                String rest = line.strip().substring(user.length() + 1);
                int end = rest.indexOf(':');
                lines.set(i, user + ":" + hash + (end < 0 ? "" : rest.substring(end)));
            }
        }
        if (!found && hash != null) lines.add(user + ":" + hash);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, file.getFileName() + ".", ".new", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(temp, lines, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
            try (var ch = java.nio.channels.FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        return found;
    }
}

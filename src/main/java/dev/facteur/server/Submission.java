package dev.facteur.server;

import dev.facteur.routing.MapFile;
import dev.facteur.routing.ReloadingFile;
import dev.facteur.sasl.PasswordHash;
import dev.facteur.sasl.UserFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The submission listeners' users: the file, made empty (mode 0600) at the first start, and read again when it changes. */
final class Submission {

    private static final Logger log = LoggerFactory.getLogger("facteur");

    private Submission() {}

    static ReloadingFile<Map<String, PasswordHash>> users(Path file) throws IOException {
        if (!Files.exists(file)) {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            log.warn("no users can log in yet: {} is new and empty; add one with bin/facteur user add NAME", file);
        }
        try {
            return ReloadingFile.open(file, UserFile::read);
        } catch (MapFile.Invalid e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}

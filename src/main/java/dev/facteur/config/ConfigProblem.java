package dev.facteur.config;

/**
 * One thing wrong with a configuration, and where: {@code facteur.toml:12: tls.certificate: cannot
 * read /etc/facteur/cert.pem}. An operator's editor jumps to {@code file:line}; the key says
 * which setting even when the line cannot be told.
 *
 * @param source  the file (or what stands for it: {@code (embedded defaults)})
 * @param line    1-based, or 0 when it cannot be told
 * @param key     the dotted key ({@code smtp.listen}), or null when the problem is the file's own
 *                (unreadable, not TOML)
 * @param message what is wrong
 */
public record ConfigProblem(String source, int line, String key, String message) {

    /** {@code file:line: key: message}, without the parts that are not known. */
    @Override
    public String toString() {
        return source + (line > 0 ? ":" + line : "") + ": " + (key == null ? "" : key + ": ") + message;
    }
}

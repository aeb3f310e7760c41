package dev.facteur.config;

/** A configuration error, with the file and line in its message. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}

package dev.facteur.routing;

import java.util.function.Supplier;

/**
 * The operator's tables, each read fresh on use (a {@link ReloadingFile} notices edits), so a
 * change applies to the next RCPT or delivery without a restart.
 */
public record Tables(
        Supplier<LocalUsers> users,
        Supplier<Aliases> aliases,
        Supplier<CanonicalMap> senderCanonical,
        Supplier<CanonicalMap> recipientCanonical,
        Supplier<TransportMap> transports) {

    public static final Tables NONE = fixed(LocalUsers.NONE, Aliases.NONE, CanonicalMap.NONE, CanonicalMap.NONE, TransportMap.NONE);

    /** Tables that never change (tests, or no files configured). */
    public static Tables fixed(LocalUsers users, Aliases aliases, CanonicalMap senderCanonical, CanonicalMap recipientCanonical,
            TransportMap transports) {
        return new Tables(() -> users, () -> aliases, () -> senderCanonical, () -> recipientCanonical, () -> transports);
    }
}

package dev.facteur.message;

import java.util.EnumSet;
import java.util.Set;

/**
 * RFC 3461 §4.1 NOTIFY: when the sender wants a DSN for this recipient. An empty set means
 * NEVER; {@link #DEFAULT} is what applies when the parameter is absent (failures, and delays at
 * the MTA's discretion).
 */
public record Notify(Set<Condition> conditions, boolean explicit) {

    public enum Condition { SUCCESS, FAILURE, DELAY }

    public static final Notify DEFAULT = new Notify(EnumSet.of(Condition.FAILURE, Condition.DELAY), false);

    public Notify {
        conditions = conditions.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(conditions));
    }

    public static Notify never() {
        return new Notify(Set.of(), true);
    }

    public boolean isNever() {
        return explicit && conditions.isEmpty();
    }

    public boolean wants(Condition c) {
        return conditions.contains(c);
    }

    /** The same, without SUCCESS: what an alias's members get once the alias has reported (RFC 3461 §5.2.7.3). */
    public Notify withoutSuccess() {
        if (!wants(Condition.SUCCESS)) return this;
        Set<Condition> rest = EnumSet.noneOf(Condition.class);
        rest.addAll(conditions);
        rest.remove(Condition.SUCCESS);
        return new Notify(rest, explicit);
    }

    /** The value as written in RCPT TO, or null when it was not given. */
    public String toParameter() {
        if (!explicit) return null;
        if (conditions.isEmpty()) return "NEVER";
        StringBuilder sb = new StringBuilder();
        for (Condition c : Condition.values()) {
            if (conditions.contains(c)) sb.append(sb.isEmpty() ? "" : ",").append(c);
        }
        return sb.toString();
    }
}

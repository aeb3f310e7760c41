package dev.facteur.milter;

/**
 * The values of Sendmail macros, as the session knows them when each event is sent: {@code j}
 * (this host), {@code _} ({@code name [address]} of the client), {@code i} (the queue id),
 * {@code daemon_name}, {@code client_addr}, {@code client_name}, {@code mail_addr},
 * {@code rcpt_addr}, {@code auth_authen} and the others Postfix defines. Asked at every event for
 * each name its stage sends, so it must answer for the current transaction and recipient.
 */
@FunctionalInterface
public interface Macros {

    /** The value of the macro named {@code name} (without braces: {@code daemon_name}), or null when it has none: then it is not sent. */
    String value(String name);

    /** No macros. */
    Macros NONE = name -> null;
}

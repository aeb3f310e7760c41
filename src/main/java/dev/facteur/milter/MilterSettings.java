package dev.facteur.milter;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * How one filter is talked to: Postfix's three timeouts, the largest packet we read from it, and
 * the macros sent at each stage (a version 6 filter may ask for others in its negotiation, and
 * gets those instead).
 *
 * @param connectTimeout  Postfix's {@code milter_connect_timeout}: to connect
 * @param commandTimeout  {@code milter_command_timeout}: to negotiate, and for each answer to
 *                        CONNECT, HELO, MAIL, RCPT, DATA
 * @param contentTimeout  {@code milter_content_timeout}: for each header, body chunk and the end
 *                        of the message, written or answered; SMFIR_PROGRESS starts it again
 * @param maxPacket       the longest packet read from the filter (its length field); longer is a
 *                        protocol error rather than an allocation a filter can choose
 * @param maxChangeBytes  the most a filter's changes to one message may hold (a new body, mostly),
 *                        which are kept in memory until its verdict; more is a protocol error
 * @param macros          the macro names sent at each stage, as written on the wire ({@code j},
 *                        {@code {daemon_name}}); a stage not in the map sends none
 */
public record MilterSettings(Duration connectTimeout, Duration commandTimeout, Duration contentTimeout, int maxPacket,
                             long maxChangeBytes, Map<MacroStage, List<String>> macros) {

    /**
     * Postfix's {@code milter_*_macros} defaults, and at MAIL also {@code {client_addr}} and
     * {@code {client_name}}, which rspamd's guide adds for Postfix.
     */
    public static final Map<MacroStage, List<String>> POSTFIX_MACROS = Map.of(
            MacroStage.CONNECT, List.of("j", "{daemon_name}", "{daemon_addr}", "v", "_"),
            MacroStage.HELO, List.of("{tls_version}", "{cipher}", "{cipher_bits}", "{cert_subject}", "{cert_issuer}"),
            MacroStage.MAIL, List.of("i", "{auth_type}", "{auth_authen}", "{auth_author}", "{mail_addr}", "{mail_host}",
                    "{mail_mailer}", "{client_addr}", "{client_name}"),
            MacroStage.RCPT, List.of("i", "{rcpt_addr}", "{rcpt_host}", "{rcpt_mailer}"),
            MacroStage.DATA, List.of("i"),
            MacroStage.EOH, List.of("i"),
            MacroStage.EOM, List.of("i"));

    /** A packet this long holds the largest thing a filter sends (a body chunk of 1 MB, the most any libmilter negotiates) with room to spare. */
    public static final int DEFAULT_MAX_PACKET = 2 * 1024 * 1024;

    /** Changes to one message up to this size: a body replaced by one of up to 64 MB. */
    public static final long DEFAULT_MAX_CHANGE_BYTES = 64L * 1024 * 1024;

    public static final MilterSettings DEFAULT = new MilterSettings(Duration.ofSeconds(30), Duration.ofSeconds(30),
            Duration.ofSeconds(300), DEFAULT_MAX_PACKET, DEFAULT_MAX_CHANGE_BYTES, POSTFIX_MACROS);

    public MilterSettings {
        for (Duration d : List.of(connectTimeout, commandTimeout, contentTimeout))
            if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("a milter timeout must be positive: " + d);
        if (maxPacket < 64 * 1024) throw new IllegalArgumentException("max packet below a body chunk (64 KB): " + maxPacket);
        if (maxChangeBytes < maxPacket) throw new IllegalArgumentException("max change bytes below one packet: " + maxChangeBytes);
        for (List<String> names : macros.values())
            for (String n : names)
                if (n.isEmpty() || n.chars().anyMatch(c -> c <= ' ' || c == ',' || c >= 127))
                    throw new IllegalArgumentException("not a macro name: '" + n + "'");
        var copy = new EnumMap<MacroStage, List<String>>(MacroStage.class);
        macros.forEach((stage, names) -> copy.put(stage, List.copyOf(names)));
        macros = Map.copyOf(copy);
    }

    public MilterSettings withTimeouts(Duration connect, Duration command, Duration content) {
        return new MilterSettings(connect, command, content, maxPacket, maxChangeBytes, macros);
    }

    public MilterSettings withMacros(Map<MacroStage, List<String>> lists) {
        return new MilterSettings(connectTimeout, commandTimeout, contentTimeout, maxPacket, maxChangeBytes, lists);
    }

    public MilterSettings withLimits(int packet, long changeBytes) {
        return new MilterSettings(connectTimeout, commandTimeout, contentTimeout, packet, changeBytes, macros);
    }
}

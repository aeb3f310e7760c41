package dev.facteur.auth.spf;

import dev.facteur.dns.DnsResolver;
import java.net.InetAddress;
import java.util.Objects;

/**
 * SPF checks (RFC 7208) over a resolver. Each call is one check_host() with limits of its own;
 * calls block on DNS, never throw for what DNS or the client says, and stop with a temperror at
 * the next lookup once their thread is interrupted (the caller's deadline, §4.6.4's "at least 20
 * seconds").
 */
public final class Spf {

    private final DnsResolver dns;
    private final SpfSettings settings;
    private final MacroString defaultExplanation;

    public Spf(DnsResolver dns, SpfSettings settings) {
        this.dns = Objects.requireNonNull(dns, "dns");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.defaultExplanation = settings.parsedDefaultExplanation();
    }

    /**
     * §4: check_host(). {@code sender} without a local-part (or without "@") stands for
     * {@code postmaster@} its domain (§4.3); {@code helo} is only for the {@code h} macro.
     */
    public SpfResult checkHost(InetAddress ip, String domain, String sender, String helo) {
        Objects.requireNonNull(ip, "ip");
        String d = domain == null ? "" : domain;
        return new CheckHost(dns, defaultExplanation, ip, withLocalPart(sender, d), helo == null ? "" : helo, settings).run(d);
    }

    /** §2.3: the HELO identity, check_host() of the HELO name with sender {@code postmaster@helo}. */
    public SpfCheck checkHelo(InetAddress ip, String helo) {
        String h = helo == null ? "" : helo;
        String sender = "postmaster@" + h;
        return new SpfCheck(SpfCheck.Identity.HELO, ip, h, sender, h, checkHost(ip, h, sender, h));
    }

    /**
     * §2.4: the MAIL FROM identity. {@code reversePath} is the address without angle brackets;
     * empty (the null reverse-path of a bounce) means {@code postmaster@} the HELO name.
     */
    public SpfCheck checkMailFrom(InetAddress ip, String reversePath, String helo) {
        String h = helo == null ? "" : helo;
        String path = reversePath == null ? "" : reversePath;
        String sender = path.isEmpty() ? "postmaster@" + h : withLocalPart(path, "");
        String domain = sender.substring(sender.lastIndexOf('@') + 1);
        return new SpfCheck(SpfCheck.Identity.MAILFROM, ip, h, sender, domain, checkHost(ip, domain, sender, h));
    }

    /** §4.3: "If the <sender> has no local-part, substitute the string "postmaster" for the local-part." */
    private static String withLocalPart(String sender, String domain) {
        if (sender == null || sender.isEmpty()) return "postmaster@" + domain;
        int at = sender.lastIndexOf('@');
        if (at < 0) return "postmaster@" + sender;
        if (at == 0) return "postmaster" + sender;
        return sender;
    }
}

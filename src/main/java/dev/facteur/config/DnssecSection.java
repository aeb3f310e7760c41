package dev.facteur.config;

import dev.facteur.dns.TrustAnchors;
import dev.facteur.net.HostPort;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads the DNSSEC keys of {@code [dns]}: {@code dnssec} ("off", "validate", "trust-ad") and
 * {@code trust_anchors} (a zone file of DS or DNSKEY records), read and checked here so that a
 * wrong file stops the start, not the first delivery.
 */
final class DnssecSection {

    private DnssecSection() {}

    /** @param servers {@code [dns] servers}: "trust-ad" believes them, so they must be on this host */
    static Config.Dnssec read(Table dns, List<HostPort> servers) throws ConfigException {
        // Off by default: validating asks for DS and DNSKEY records too, and some resolvers and
        // networks mangle them; an operator turns DANE on knowing the resolvers can.
        Config.Dnssec.Mode mode = dns.convert("dnssec", "off", v -> switch (v) {
            case "off" -> Config.Dnssec.Mode.OFF;
            case "validate" -> Config.Dnssec.Mode.VALIDATE;
            case "trust-ad" -> Config.Dnssec.Mode.TRUST_AD;
            default -> throw new IllegalArgumentException("must be \"off\", \"validate\" or \"trust-ad\"");
        });
        Optional<Path> file = dns.optional("trust_anchors", Path::of);
        if (file.isPresent() && mode != Config.Dnssec.Mode.VALIDATE)
            dns.fail("trust_anchors", "is used only with dnssec = \"validate\"");
        if (mode == Config.Dnssec.Mode.TRUST_AD) {
            if (servers.isEmpty())
                dns.fail("dnssec", "\"trust-ad\" believes the AD bit of [dns] servers, so they must be named (and on loopback)");
            for (HostPort s : servers)
                if (!loopback(s.host()))
                    dns.fail("dnssec", "\"trust-ad\" needs resolvers on loopback: nothing protects the AD bit from " + s
                            + " on its way here (use \"validate\")");
        }
        TrustAnchors anchors = TrustAnchors.root();
        if (file.isPresent()) {
            try {
                anchors = TrustAnchors.read(file.get());
            } catch (IOException | IllegalArgumentException e) {
                dns.fail("trust_anchors", "cannot be read: " + e.getMessage());
            }
        }
        return new Config.Dnssec(mode, anchors);
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.ofLiteral(host).isLoopbackAddress();
        } catch (IllegalArgumentException e) {
            return false; // a name, which is not an address at all
        }
    }
}

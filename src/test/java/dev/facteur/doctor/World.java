package dev.facteur.doctor;

import dev.facteur.config.Config;
import dev.facteur.config.ConfigException;
import dev.facteur.config.ConfigLoader;
import dev.facteur.dns.Mx;
import dev.facteur.testing.FakeDnsResolver;
import java.util.List;

/**
 * A server for the unit tests: mx.example.org, mail leaving from 192.0.2.10 (RFC 5737 addresses:
 * nothing here is ever sent anywhere, DNS is a {@link FakeDnsResolver}), local domain example.org.
 * {@link #dns()} starts with everything right; each test breaks one thing.
 */
final class World {

    static final String HOST = "mx.example.org";
    static final String ADDRESS = "192.0.2.10";
    static final String DOMAIN = "example.org";

    private World() {}

    /** The configuration of mx.example.org with these more lines (tables). */
    static Config config(String more) {
        try {
            return ConfigLoader.parse("hostname = \"" + HOST + "\"\n" + more, "facteur.toml");
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** public_addresses = [192.0.2.10], local domain example.org. */
    static Config config() {
        return config("[local]\ndomains = [\"" + DOMAIN + "\"]\n[doctor]\npublic_addresses = [\"" + ADDRESS + "\"]\n");
    }

    /** DNS as it should be for {@link #config()}. */
    static FakeDnsResolver dns() {
        return new FakeDnsResolver()
                .withAddresses(HOST, ADDRESS)
                .withPtr(ADDRESS, HOST)
                .withMx(DOMAIN, new Mx(10, HOST))
                .withTxt(DOMAIN, "v=spf1 mx -all")
                .withTxt(HOST, "v=spf1 a -all")
                .withTxt("_dmarc." + DOMAIN, "v=DMARC1; p=reject; rua=mailto:postmaster@" + DOMAIN);
    }

    static Installation server(Config config, FakeDnsResolver dns) {
        return Installation.discover(config, dns);
    }

    static Domain local() {
        return new Domain(DOMAIN, true);
    }

    /** "fail: title" for each check, the shape most assertions read. */
    static List<String> lines(List<Check> checks) {
        return checks.stream().map(c -> c.status() + ": " + c.title()).toList();
    }
}

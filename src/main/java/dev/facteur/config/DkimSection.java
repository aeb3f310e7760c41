package dev.facteur.config;

import dev.facteur.auth.dkim.SignatureWriter;
import dev.facteur.auth.dkim.Signers;
import dev.facteur.auth.dkim.SigningKey;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Reads {@code [dkim]}: the signing keys (read now, so that a bad key stops the start with its line), rules and fields. */
final class DkimSection {

    private DkimSection() {}

    static Config.Dkim read(Table t, Path dataDir) throws ConfigException {
        List<SigningKey> keys = new ArrayList<>();
        for (Table k : t.tables("keys")) {
            String domain = k.string("domain", null);
            String selector = k.string("selector", null);
            if (domain == null) k.fail("domain", "is required in [[dkim.keys]]");
            if (selector == null) k.fail("selector", "is required in [[dkim.keys]]");
            Path file = k.optional("private_key", Path::of)
                    .orElse(dataDir.resolve("dkim").resolve(domain.toLowerCase(Locale.ROOT) + "." + selector + ".key"));
            try {
                keys.add(SigningKey.load(domain, selector, file));
            } catch (IOException | IllegalArgumentException e) {
                throw k.error(k.has("private_key") ? "private_key" : "selector", "cannot use the key " + file + ": " + e.getMessage()
                        + (k.has("private_key") ? "" : " (facteur dkim keygen writes it there)"));
            }
            k.finish();
        }
        List<Signers.Rule> rules = new ArrayList<>();
        for (Table r : t.tables("rules")) {
            String login = r.string("login", null);
            String from = r.string("from_domain", null);
            String domain = r.string("domain", null);
            if ((login == null) == (from == null)) r.fail(login == null ? "login" : "from_domain", "a rule names either a login or a from_domain");
            if (domain == null) r.fail("domain", "is required in [[dkim.rules]]: the domain whose keys sign");
            if (keys.stream().noneMatch(k -> k.domain().equalsIgnoreCase(domain))) r.fail("domain", "no [[dkim.keys]] entry for " + domain);
            rules.add(new Signers.Rule(login, from, domain));
            r.finish();
        }
        List<String> signed = t.list("headers", SignatureWriter.Settings.SIGNED, DkimSection::fieldName);
        List<String> oversigned = t.list("oversign", SignatureWriter.Settings.OVERSIGNED, DkimSection::fieldName);
        if (oversigned.stream().noneMatch(n -> n.equalsIgnoreCase("from"))) t.fail("oversign", "must name From (RFC 6376 §5.4)");
        Duration expire = t.convert("expire", "off", v -> v.equals("off") ? Duration.ZERO : Units.parseDuration(v));
        if (!expire.isZero() && expire.compareTo(Duration.ofHours(1)) < 0)
            t.fail("expire", "must be at least 1h (a signature must outlive the retries of the next hops), or \"off\"");
        Config.Dkim dkim = new Config.Dkim(new Signers(keys, rules),
                new SignatureWriter.Settings(signed, oversigned, expire.isZero() ? Optional.empty() : Optional.of(expire)));
        return dkim;
    }

    private static String fieldName(String name) {
        if (!name.matches("[!-9;-~]+")) throw new IllegalArgumentException("not a header field name: " + name);
        return name.toLowerCase(Locale.ROOT);
    }
}

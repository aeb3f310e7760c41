package dev.facteur.config;

import dev.facteur.auth.dkim.SignatureWriter;
import dev.facteur.net.HostPort;
import dev.facteur.unsubscribe.UnsubscribeSettings;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Reads {@code [unsubscribe]}: one-click unsubscribe links on bulk mail, and the listener that takes them (docs/unsubscribe.md). */
final class UnsubscribeSection {

    private UnsubscribeSection() {}

    /** @param dkim the fields {@code [dkim]} signs: a receiver honours a link only when a signature covers it */
    static UnsubscribeSettings read(Table t, Path dataDir, SignatureWriter.Settings dkim) throws ConfigException {
        boolean enabled = t.bool("enabled", false);
        Optional<URI> url = t.optional("url", UnsubscribeSettings::publicUrl);
        List<HostPort> listen = t.list("listen", List.of(UnsubscribeSettings.DEFAULT_LISTEN.toString()), HostPort::parse);
        Path secrets = t.convert("secrets_file", dataDir.resolve("unsubscribe.secret").toString(), Path::of);
        if (enabled && url.isEmpty())
            t.fail("enabled", "needs url: the public https:// URL the links start with, e.g. url = \"https://unsubscribe.example.com/u\"");
        if (enabled) {
            for (String field : List.of("list-unsubscribe", "list-unsubscribe-post"))
                if (!dkim.signed().contains(field) && !dkim.oversigned().contains(field))
                    t.fail("enabled", "needs " + field + " in [dkim] headers: RFC 8058 §4 honours a link only when a DKIM signature covers it");
        }
        t.finish();
        return new UnsubscribeSettings(enabled, url, listen, secrets);
    }
}

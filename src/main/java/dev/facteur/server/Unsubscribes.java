package dev.facteur.server;

import dev.facteur.bounce.Suppressions;
import dev.facteur.bounce.UnsubscribeLinks;
import dev.facteur.config.Config;
import dev.facteur.events.EventSink;
import dev.facteur.net.Cidr;
import dev.facteur.policy.ListUnsubscribeFields;
import dev.facteur.smtp.Gate;
import dev.facteur.unsubscribe.UnsubscribeServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code [unsubscribe]}: one-click links on trusted senders' bulk mail, and the listener that takes them (docs/unsubscribe.md). */
final class Unsubscribes {

    private static final Logger log = LoggerFactory.getLogger("facteur");

    private Unsubscribes() {}

    /** {@code gate}, followed by the links when {@code [unsubscribe]} is on: before DKIM signing, which must cover them. */
    static Gate fields(Config config, Gate gate, Clock clock) {
        var u = config.unsubscribe();
        if (!u.enabled()) return gate;
        List<Cidr> relay = config.relay().networks();
        Set<String> served = Defences.served(config);
        return new ListUnsubscribeFields(gate, links(config, clock), u.url().orElseThrow(), served::contains,
                a -> relay.stream().anyMatch(n -> n.contains(a)));
    }

    /** The listener, started; null when {@code [unsubscribe]} is off or listens nowhere (another node takes the links). */
    static UnsubscribeServer listen(Config config, Suppressions suppressions, EventSink events, Clock clock) throws IOException {
        var u = config.unsubscribe();
        if (!u.enabled()) return null;
        if (config.dkim().signers().isEmpty())
            log.warn("unsubscribe: no [[dkim.keys]]: receivers ignore one-click links in mail no DKIM signature covers (RFC 8058 §4)");
        if (u.listen().isEmpty()) return null;
        var server = new UnsubscribeServer(u.listen(), u.path(), links(config, clock), suppressions, events, clock);
        server.start();
        return server;
    }

    private static UnsubscribeLinks links(Config config, Clock clock) {
        try {
            return UnsubscribeLinks.readOrCreate(config.unsubscribe().secretsFile(), clock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the unsubscribe secrets " + config.unsubscribe().secretsFile() + ": " + e.getMessage(), e);
        }
    }
}

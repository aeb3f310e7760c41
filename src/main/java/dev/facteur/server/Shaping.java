package dev.facteur.server;

import dev.facteur.auth.dmarc.PublicSuffixList;
import dev.facteur.config.Config;
import dev.facteur.shaping.Shaper;
import dev.facteur.shaping.Sites;
import dev.facteur.shaping.SourceAddresses;
import dev.facteur.store.ShapingStore;
import dev.facteur.store.Stores;
import java.time.Clock;

/** Traffic shaping as configured: its sites roll up by the Public Suffix List, its budgets in the policy store. */
final class Shaping {

    private Shaping() {}

    /** The local addresses mail leaves from; their warm-up budgets in the same store as the shaping budgets. */
    static SourceAddresses sources(Config config, Stores stores, Clock clock) {
        var s = config.delivery().sources();
        if (s.addresses().isEmpty()) return SourceAddresses.NONE;
        for (var source : s.addresses()) {
            try (var socket = new java.net.Socket()) {
                socket.bind(new java.net.InetSocketAddress(source.address(), 0));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("[[delivery.sources]] address " + source.address().getHostAddress()
                        + " cannot be used to send from (is it an address of this machine?): " + e.getMessage(), e);
            }
        }
        ShapingStore store = stores != null ? stores.shaping() : ShapingStore.inMemory();
        return new SourceAddresses(s.addresses(), s.pools(), s.warmUp(), store, clock);
    }

    /** The shaper, or null when shaping is off. */
    static Shaper shaper(Config config, Stores stores, Clock clock) {
        var s = config.shaping();
        if (!s.enabled()) return null;
        ShapingStore store = stores != null ? stores.shaping() : ShapingStore.inMemory();
        PublicSuffixList psl = PublicSuffixList.bundled();
        return new Shaper(new Sites(s.rules(), s.defaults(), s.addresses(), psl::registrableDomain), s.adaptive(), store, clock);
    }
}

package dev.facteur.config;

import dev.facteur.shaping.Pool;
import dev.facteur.shaping.Source;
import dev.facteur.shaping.WarmUp;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads the source addresses of {@code [delivery]}: {@code [[delivery.sources]]}, {@code [[delivery.pools]]}, {@code [delivery.warmup]}. */
final class SourcesSection {

    private SourcesSection() {}

    static Config.Sources read(Table delivery) throws ConfigException {
        List<Source> sources = new ArrayList<>();
        Set<InetAddress> seen = new HashSet<>();
        for (Table t : delivery.tables("sources")) {
            String address = t.string("address", null);
            if (address == null) t.fail("address", "is required in [[delivery.sources]]: the local address mail leaves from");
            InetAddress a = t.convert("address", address, SourcesSection::literal);
            if (!seen.add(a)) t.fail("address", "is listed twice");
            String helo = t.string("helo", null);
            if (helo == null) t.fail("helo", "is required: the name this address says in EHLO, which its PTR record must give");
            ConfigLoader.domain(helo);
            String pool = t.string("pool", "default");
            LocalDate warming = t.optional("warming_from", LocalDate::parse).orElse(null);
            sources.add(new Source(pool, a, helo, warming));
            t.finish();
        }
        List<Pool> pools = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Table t : delivery.tables("pools")) {
            String name = t.string("name", null);
            if (name == null) t.fail("name", "is required in [[delivery.pools]]");
            if (!names.add(name)) t.fail("name", "names a pool twice");
            if (sources.stream().noneMatch(s -> s.pool().equals(name))) t.fail("name", "no [[delivery.sources]] address is in pool " + name);
            List<String> senders = t.list("sender_domains", List.of(), ConfigLoader::domain);
            String fallback = t.string("fallback", null);
            if (fallback != null && (fallback.equals(name) || sources.stream().noneMatch(s -> s.pool().equals(fallback))))
                t.fail("fallback", "must name another pool with addresses");
            pools.add(new Pool(name, senders, fallback));
            t.finish();
        }
        Table w = delivery.table("warmup");
        List<Integer> perHour = w.integers("per_hour", WarmUp.DEFAULTS.perHour(), 1, 100_000_000);
        if (perHour.isEmpty()) w.fail("per_hour", "needs at least one day's budget");
        w.finish();
        return new Config.Sources(List.copyOf(sources), List.copyOf(pools), new WarmUp(perHour));
    }

    private static InetAddress literal(String s) {
        if (!s.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) throw new IllegalArgumentException("not an IP address: " + s);
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + s);
        }
    }
}

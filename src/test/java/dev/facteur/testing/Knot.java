package dev.facteur.testing;

import dev.facteur.net.HostPort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A private Knot DNS for tests: an authoritative server on a loopback host of its own, serving
 * the zones it is given, signing those marked signed itself (automatic DNSSEC signing, ECDSA
 * P-256, NSEC) with keys made for the run. It recurses for nobody and has no upstream, so nothing
 * leaves loopback. Point a validating resolver at it, with {@link #trustAnchors} of a signed zone.
 *
 * <pre>{@code
 * try (var knot = Knot.start(Knot.Zone.signed("dane.test", "@ MX 10 mx", "mx A 127.0.0.25"))) {
 *     var dns = DnssecResolver.validating(List.of(knot.hostPort()), Duration.ofSeconds(2), 1,
 *             TrustAnchors.read(knot.trustAnchors("dane.test")));
 *     ...
 * }
 * }</pre>
 *
 * Each zone gets its SOA, an NS record and the server's address at {@code ns.<zone>}; a zone
 * below another is delegated from it (NS and glue; a DS only if the test writes one, for a signed
 * child's real DS is not known before Knot makes its key). A test's records are zone-file lines,
 * relative to the zone. Knot runs as root (the tests do), its keys and journal in a temporary
 * directory that {@link #close} deletes.
 */
public final class Knot implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/sbin/knotd");
    private static final Path KEYMGR = Path.of("/usr/sbin/keymgr");
    /** Knot cannot say which port it got: the DNS port, on a host of its own. */
    private static final int PORT = 53;

    /** A zone to serve: its name, whether Knot signs it, and its records as zone-file lines. */
    public record Zone(String name, boolean signed, List<String> records) {
        public Zone {
            name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
            records = List.copyOf(records);
        }

        public static Zone signed(String name, String... records) {
            return new Zone(name, true, List.of(records));
        }

        public static Zone unsigned(String name, String... records) {
            return new Zone(name, false, List.of(records));
        }
    }

    private final Daemon daemon;
    private final String address;
    private final Path dir;

    private Knot(Daemon daemon, String address, Path dir) {
        this.daemon = daemon;
        this.address = address;
        this.dir = dir;
    }

    /** Starts Knot with these zones and returns once every one is served, and every signed one signed. */
    public static Knot start(Zone... zones) throws IOException {
        TestKind.integrationOnly("Knot DNS");
        return Daemon.onSomeAddress(() -> startOn(Loopback.host(), List.of(zones)));
    }

    private static Knot startOn(String address, List<Zone> zones) throws IOException {
        Path dir = Files.createTempDirectory("facteur-knot");
        try {
            Files.createDirectories(dir.resolve("zones"));
            Files.createDirectories(dir.resolve("db"));
            Files.createDirectories(dir.resolve("keys"));
            for (Zone z : zones) Files.writeString(dir.resolve("zones").resolve(z.name() + ".zone"), zoneFile(z, zones, address));
            Files.writeString(dir.resolve("knot.conf"), config(dir, address, zones));
            var at = new InetSocketAddress(address, PORT);
            Daemon d = Daemon.start("knotd on " + address + ":" + PORT, List.of(BINARY.toString(), "-c", dir.resolve("knot.conf").toString()),
                    dir.resolve("knot.log"), self -> self.listensOn(at, false) && zones.stream().allMatch(z -> served(at, z)));
            return new Knot(d, address, dir);
        } catch (IOException | RuntimeException e) {
            delete(dir);
            throw e;
        }
    }

    private static String config(Path dir, String address, List<Zone> zones) {
        var c = new StringBuilder();
        c.append("server:\n");
        c.append("    rundir: \"").append(dir).append("\"\n");
        c.append("    user: root:root\n");
        c.append("    pidfile: \"").append(dir.resolve("knot.pid")).append("\"\n");
        c.append("    listen: ").append(address).append('@').append(PORT).append('\n');
        c.append("database:\n");
        c.append("    storage: \"").append(dir.resolve("db")).append("\"\n");
        c.append("    kasp-db: \"").append(dir.resolve("keys")).append("\"\n");
        c.append("control:\n");
        c.append("    listen: \"").append(dir.resolve("knot.sock")).append("\"\n");
        c.append("log:\n");
        c.append("  - target: stderr\n");
        c.append("    any: info\n");
        c.append("policy:\n");
        c.append("  - id: test\n");
        c.append("    algorithm: ecdsap256sha256\n"); // quick to make and to check
        c.append("    nsec3: off\n");
        c.append("template:\n");
        c.append("  - id: default\n");
        c.append("    storage: \"").append(dir.resolve("zones")).append("\"\n");
        c.append("    file: \"%s.zone\"\n");
        c.append("    zonefile-sync: -1\n"); // never write the signed zone back over the test's file
        c.append("zone:\n");
        for (Zone z : zones) {
            c.append("  - domain: ").append(z.name()).append('\n');
            if (z.signed()) c.append("    dnssec-signing: on\n    dnssec-policy: test\n");
        }
        return c.toString();
    }

    private static String zoneFile(Zone z, List<Zone> zones, String address) {
        var lines = new ArrayList<String>();
        lines.add("$ORIGIN " + z.name() + ".");
        lines.add("$TTL 300");
        lines.add("@ SOA ns hostmaster 1 3600 600 86400 300");
        lines.add("@ NS ns");
        lines.add("ns A " + address);
        for (Zone child : zones) {
            if (!parentOf(child, zones).equals(z.name())) continue;
            lines.add(child.name() + ". NS ns." + child.name() + ".");
            lines.add("ns." + child.name() + ". A " + address);
        }
        lines.addAll(z.records());
        return String.join("\n", lines) + "\n";
    }

    /** The closest zone served above {@code child}: the one that delegates it; empty for none. */
    private static String parentOf(Zone child, List<Zone> zones) {
        return zones.stream().map(Zone::name).filter(p -> child.name().endsWith("." + p)).max(Comparator.comparingInt(String::length)).orElse("");
    }

    /** Whether the zone's SOA is served, with its signature if the zone is to be signed. */
    private static boolean served(InetSocketAddress at, Zone z) {
        try {
            var probe = new SimpleResolver(at);
            probe.setTimeout(Duration.ofMillis(200)); // a poll: the next one asks again
            probe.setEDNS(0, 0, ExtendedFlags.DO);
            Message m = probe.send(Message.newQuery(Record.newRecord(Name.fromString(z.name() + "."), Type.SOA, DClass.IN)));
            if (m.getRcode() != Rcode.NOERROR) return false;
            List<Record> answer = m.getSection(Section.ANSWER);
            return answer.stream().anyMatch(r -> r.getType() == Type.SOA)
                    && (!z.signed() || answer.stream().anyMatch(r -> r.getType() == Type.RRSIG));
        } catch (IOException e) {
            return false;
        }
    }

    public String address() {
        return address;
    }

    public int port() {
        return PORT;
    }

    public HostPort hostPort() {
        return new HostPort(address, PORT);
    }

    /**
     * The DS records of a signed zone's key-signing key, as {@code keymgr ds} prints them (SHA-256
     * and SHA-384), in a zone file: the trust anchor a validator starts from, or what the parent
     * publishes. Knot computes them, not the code under test.
     */
    public Path trustAnchors(String zone) throws IOException {
        TestKind.integrationOnly("keymgr");
        Path out = dir.resolve(zone + ".anchors");
        Process p = new ProcessBuilder(KEYMGR.toString(), "-c", dir.resolve("knot.conf").toString(), zone, "ds")
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            if (!p.waitFor(Patience.EVENT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("keymgr still running after " + Patience.EVENT.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        String said = Files.readString(out, StandardCharsets.US_ASCII);
        if (p.exitValue() != 0 || !said.contains(" DS ")) throw new IOException("keymgr " + zone + " ds: " + said.strip());
        return out;
    }

    /** What Knot logged so far. */
    public String log() {
        return daemon.log();
    }

    /** Stops Knot and deletes its keys, journal, zones and log. */
    @Override
    public void close() {
        daemon.close();
        try {
            delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}

package dev.facteur.config;

import dev.facteur.net.Cidr;
import dev.facteur.net.HostPort;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.toml.TomlMapper;

/**
 * Reads the TOML configuration. Jackson parses the syntax; this class checks every key against
 * what Facteur knows, so that a typo is an error naming file, line and key rather than a
 * setting silently ignored.
 */
public final class ConfigLoader {

    /** The configuration used when no file is given: everything on loopback, data under ./data. */
    public static final String DEFAULTS = """
            # Facteur's embedded default configuration.
            data_dir = "data"
            [smtp]
            listen = ["127.0.0.1:2525"]
            """;

    private ConfigLoader() {}

    public static Config load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    public static Config defaults() {
        try {
            return parse(DEFAULTS, "(embedded defaults)");
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Config parse(String text, String source) throws ConfigException {
        JsonNode root;
        try {
            root = new TomlMapper().readTree(text);
        } catch (JacksonException e) {
            var loc = e.getLocation();
            String where = loc != null && loc.getLineNr() > 0 ? source + ":" + loc.getLineNr() : source;
            throw new ConfigException(where + ": TOML syntax error: " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) root = new TomlMapper().createObjectNode();
        var lines = new KeyLines(text);
        Table top = new Table((ObjectNode) root, "", source, lines);

        String hostname = top.string("hostname", null);
        if (hostname == null) hostname = defaultHostname(); // may ask DNS: only when not configured
        Path dataDir = Path.of(top.string("data_dir", "data"));

        Table smtpT = top.table("smtp");
        var smtp = new Config.Smtp(
                smtpT.list("listen", List.of("127.0.0.1:2525"), HostPort::parse),
                smtpT.convert("max_message_size", "50MB", Units::parseSize),
                smtpT.integer("max_recipients", 1000, 1, 100_000),
                smtpT.integer("max_connections", 1000, 1, 1_000_000),
                smtpT.integer("max_connections_per_ip", 50, 1, 1_000_000),
                smtpT.integer("max_errors", 20, 1, 1000),
                smtpT.convert("command_timeout", "5m", Units::parseDuration),
                smtpT.convert("data_timeout", "10m", Units::parseDuration));
        if (smtp.listen().isEmpty()) smtpT.fail("listen", "needs at least one host:port");
        smtpT.finish();

        Table relayT = top.table("relay");
        var relay = new Config.Relay(relayT.list("networks", List.of("127.0.0.0/8", "::1/128"), Cidr::parse));
        relayT.finish();

        Table localT = top.table("local");
        var local = new Config.Local(localT.list("domains", List.of(), d -> {
            if (!d.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")) throw new IllegalArgumentException("not a domain name: " + d);
            return d;
        }));
        localT.finish();

        Table dnsT = top.table("dns");
        var dns = new Config.Dns(dnsT.list("servers", List.of(), HostPort::parse));
        dnsT.finish();

        Table deliveryT = top.table("delivery");
        var delivery = new Config.Delivery(
                deliveryT.bool("enabled", true),
                deliveryT.integer("remote_port", 25, 1, 65535),
                deliveryT.integer("max_parallel", 100, 1, 100_000),
                deliveryT.integer("max_per_destination", 10, 1, 10_000),
                deliveryT.convert("retry_initial", "5m", Units::parseDuration),
                deliveryT.convert("retry_max", "1h", Units::parseDuration),
                deliveryT.convert("max_lifetime", "5d", Units::parseDuration),
                deliveryT.convert("delay_warning", "4h", ConfigLoader::durationOrOff),
                deliveryT.bool("allow_address_literals", true),
                deliveryT.bool("starttls", true),
                deliveryT.convert("connect_timeout", "30s", Units::parseDuration),
                deliveryT.convert("command_timeout", "5m", Units::parseDuration),
                deliveryT.convert("data_timeout", "10m", Units::parseDuration));
        deliveryT.finish();

        Table adminT = top.table("admin");
        var admin = new Config.Admin(adminT.convert("listen", "127.0.0.1:8025", HostPort::parse));
        adminT.finish();

        Optional<Config.Tls> tls = Optional.empty();
        if (top.has("tls")) {
            Table tlsT = top.table("tls");
            String cert = tlsT.string("certificate", null);
            String key = tlsT.string("private_key", null);
            if (cert == null) tlsT.fail("certificate", "is required in [tls]");
            if (key == null) tlsT.fail("private_key", "is required in [tls]");
            tls = Optional.of(new Config.Tls(Path.of(cert), Path.of(key)));
            tlsT.finish();
        }
        top.finish();
        return new Config(source, hostname, dataDir, smtp, relay, local, dns, delivery, admin, tls);
    }

    /** A duration, or "0"/"off" for none. */
    private static java.time.Duration durationOrOff(String s) {
        return s.equals("0") || s.equalsIgnoreCase("off") ? java.time.Duration.ZERO : Units.parseDuration(s);
    }

    static String defaultHostname() {
        try {
            String h = InetAddress.getLocalHost().getCanonicalHostName();
            return h.isBlank() ? "localhost" : h;
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** One TOML table and the keys read from it, so unknown keys can be reported. */
    private static final class Table {
        private final ObjectNode node;
        private final String path;
        private final String source;
        private final KeyLines lines;
        private final Set<String> known = new HashSet<>();

        Table(ObjectNode node, String path, String source, KeyLines lines) {
            this.node = node;
            this.path = path;
            this.source = source;
            this.lines = lines;
        }

        boolean has(String key) {
            return node.has(key);
        }

        Table table(String key) throws ConfigException {
            known.add(key);
            JsonNode n = node.get(key);
            String p = qualify(key);
            if (n == null) return new Table(new TomlMapper().createObjectNode(), p, source, lines);
            if (!n.isObject()) throw error(key, "must be a table [" + p + "]");
            return new Table((ObjectNode) n, p, source, lines);
        }

        boolean bool(String key, boolean dflt) throws ConfigException {
            known.add(key);
            JsonNode n = node.get(key);
            if (n == null) return dflt;
            if (!n.isBoolean()) throw error(key, "must be true or false");
            return n.asBoolean();
        }

        String string(String key, String dflt) throws ConfigException {
            known.add(key);
            JsonNode n = node.get(key);
            if (n == null) return dflt;
            if (!n.isString()) throw error(key, "must be a string");
            return n.asString();
        }

        int integer(String key, int dflt, int min, int max) throws ConfigException {
            known.add(key);
            JsonNode n = node.get(key);
            if (n == null) return dflt;
            if (!n.isIntegralNumber()) throw error(key, "must be an integer");
            long v = n.asLong();
            if (v < min || v > max) throw error(key, "must be between " + min + " and " + max + ", got " + v);
            return (int) v;
        }

        /** A string value (or integer, for sizes) converted by {@code f}, whose exceptions become errors. */
        <T> T convert(String key, String dflt, Function<String, T> f) throws ConfigException {
            known.add(key);
            JsonNode n = node.get(key);
            String v;
            if (n == null) v = dflt;
            else if (n.isString()) v = n.asString();
            else if (n.isIntegralNumber()) v = n.asString();
            else throw error(key, "must be a string");
            try {
                return f.apply(v);
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw error(key, e.getMessage());
            }
        }

        <T> List<T> list(String key, List<String> dflt, Function<String, T> f) throws ConfigException {
            known.add(key);
            JsonNode n = node.get(key);
            List<String> raw = new ArrayList<>();
            if (n == null) {
                raw.addAll(dflt);
            } else {
                if (!n.isArray()) throw error(key, "must be an array of strings");
                for (JsonNode e : n) {
                    if (!e.isString()) throw error(key, "must be an array of strings");
                    raw.add(e.asString());
                }
            }
            List<T> out = new ArrayList<>();
            for (String s : raw) {
                try {
                    out.add(f.apply(s));
                } catch (IllegalArgumentException e) {
                    throw error(key, e.getMessage());
                }
            }
            return List.copyOf(out);
        }

        void fail(String key, String message) throws ConfigException {
            throw error(key, message);
        }

        void finish() throws ConfigException {
            for (var it = node.propertyNames().iterator(); it.hasNext(); ) {
                String key = it.next();
                if (!known.contains(key)) throw error(key, "unknown key");
            }
        }

        private String qualify(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        private ConfigException error(String key, String message) {
            int line = lines.lineOf(path, key);
            return new ConfigException(source + (line > 0 ? ":" + line : "") + ": " + qualify(key) + ": " + message);
        }
    }
}

package dev.facteur.testing;

import dev.facteur.config.Config;
import dev.facteur.config.ConfigException;
import dev.facteur.config.ConfigLoader;
import dev.facteur.net.HostPort;
import dev.facteur.routing.AddressResolver;
import dev.facteur.server.Facteur;
import dev.facteur.tls.SelfSigned;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Facteur's TOML configuration for a test: loopback only, data under the test's own directory,
 * SMTP and the admin interface on ports of the system's choosing (read back from the running
 * server). Delivery is off unless {@link #delivery} turns it on. Each method adds to one table;
 * {@link #tables} takes whole tables ({@code [relay]}, {@code [local]}, {@code [routing]}).
 */
public final class TestConfig {

    public static final String HOSTNAME = "mx.facteur.test";

    private final Path dataDir;
    private String hostname = HOSTNAME;
    private String listen = "127.0.0.1:0";
    private final StringBuilder smtp = new StringBuilder();
    private final StringBuilder tables = new StringBuilder();
    private HostPort dns;
    private final StringBuilder dnsLines = new StringBuilder();
    private Map<String, String> delivery; // null: delivery off
    private final StringBuilder deliveryLines = new StringBuilder();
    private String admin = "127.0.0.1:0";
    private final StringBuilder adminLines = new StringBuilder();

    private TestConfig(Path dataDir) {
        this.dataDir = dataDir.toAbsolutePath();
    }

    /** A server keeping its data in {@code dataDir}: it receives, and delivers nothing. */
    public static TestConfig in(Path dataDir) {
        return new TestConfig(dataDir);
    }

    public TestConfig hostname(String name) {
        hostname = name;
        return this;
    }

    /** The SMTP listen address, e.g. {@code 127.0.0.1:0} (the default) for any free port. */
    public TestConfig listen(String hostPort) {
        listen = hostPort;
        return this;
    }

    /** More keys of the {@code [smtp]} table, e.g. {@code max_connections_per_ip = 10}. */
    public TestConfig smtp(String keys) {
        smtp.append(keys).append('\n');
        return this;
    }

    /** Whole tables: {@code [relay]}, {@code [local]}, {@code [routing]}, {@code [tls]}. */
    public TestConfig tables(String toml) {
        tables.append(toml).append('\n');
        return this;
    }

    /** STARTTLS with this certificate. */
    public TestConfig tls(SelfSigned.PemFiles pem) {
        return tables("[tls]\ncertificate = '%s'\nprivate_key = '%s'".formatted(pem.certificate(), pem.privateKey()));
    }

    /** The only DNS server Facteur may ask. */
    public TestConfig dns(HostPort server) {
        dns = server;
        return this;
    }

    /** More keys of the {@code [dns]} table (with {@link #dns}), e.g. {@code dnssec = "validate"}. */
    public TestConfig dnsKeys(String keys) {
        dnsLines.append(keys).append('\n');
        return this;
    }

    /** Turns delivery on, with these {@code [delivery]} keys (string values, such as "1s"). */
    public TestConfig delivery(Map<String, String> keys) {
        if (delivery == null) delivery = new LinkedHashMap<>();
        delivery.putAll(keys);
        return this;
    }

    /** Turns delivery on, with these lines under {@code [delivery]}: other keys, or {@code [[delivery.auth]]} tables. */
    public TestConfig delivery(String lines) {
        delivery(Map.of());
        deliveryLines.append(lines).append('\n');
        return this;
    }

    /** The admin interface's listen address (default {@code 127.0.0.1:0}). */
    public TestConfig admin(String hostPort) {
        admin = hostPort;
        return this;
    }

    /** More keys of the {@code [admin]} table. */
    public TestConfig adminKeys(String keys) {
        adminLines.append(keys).append('\n');
        return this;
    }

    public String toml() {
        StringBuilder t = new StringBuilder();
        t.append("hostname = \"").append(hostname).append("\"\n");
        t.append("data_dir = '").append(dataDir).append("'\n");
        t.append("[smtp]\nlisten = [\"").append(listen).append("\"]\n").append(smtp);
        t.append(tables);
        if (dns != null) t.append("[dns]\nservers = [\"").append(dns).append("\"]\n").append(dnsLines);
        t.append("[delivery]\n");
        if (delivery == null) {
            t.append("enabled = false\n");
        } else {
            t.append("enabled = true\n");
            delivery.forEach((k, v) -> t.append(k).append(" = \"").append(v).append("\"\n"));
            t.append(deliveryLines);
        }
        t.append("[admin]\nlisten = \"").append(admin).append("\"\n").append(adminLines);
        return t.toString();
    }

    /** The configuration, parsed as Facteur parses a file. */
    public Config config() {
        try {
            return ConfigLoader.parse(toml(), "test config");
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage() + "\n" + toml(), e);
        }
    }

    /** Writes the configuration to {@code file} (for the facteur command) and returns it. */
    public Path writeTo(Path file) {
        try {
            Files.writeString(file, toml());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The users, aliases and relay rules as a running Facteur would apply them (for tests of the SMTP server alone). */
    public AddressResolver addresses() {
        try {
            return Facteur.addressResolver(config());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a whole Facteur on this configuration (an integration test's). */
    public Facteur start() throws IOException {
        return start(Clock.systemDefaultZone());
    }

    /**
     * Writes the configuration to {@code file} and starts a whole Facteur from it, as
     * {@code facteur serve --config FILE} does: a reload reads the file again.
     */
    public Facteur startFrom(Path file) throws IOException {
        TestKind.integrationOnly("a whole Facteur");
        writeTo(file);
        try {
            return Facteur.start(ConfigLoader.load(file));
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage() + "\n" + toml(), e);
        }
    }

    /** Starts a whole Facteur on this configuration, going by {@code clock} (a {@link ManualClock}). */
    public Facteur start(Clock clock) throws IOException {
        TestKind.integrationOnly("a whole Facteur");
        return Facteur.start(config(), clock);
    }
}

package dev.facteur.config;

import dev.facteur.net.Cidr;
import dev.facteur.net.HostPort;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The whole configuration, validated. See README "Configuration reference" for every key. */
public record Config(
        String source,
        String hostname,
        Path dataDir,
        Smtp smtp,
        Relay relay,
        Local local,
        Dns dns,
        Delivery delivery,
        Admin admin,
        Optional<Tls> tls) {

    public record Smtp(
            List<HostPort> listen,
            long maxMessageSize,
            int maxRecipients,
            int maxConnections,
            int maxConnectionsPerIp,
            int maxErrors,
            Duration commandTimeout,
            Duration dataTimeout) {}

    public record Relay(List<Cidr> networks) {}

    public record Local(List<String> domains) {}

    public record Dns(List<HostPort> servers) {}

    /**
     * How mail leaves: the port of remote servers, retry schedule, limits and client timeouts.
     *
     * @param enabled false keeps every message queued (a receive-only node, or tests of the receiver)
     */
    public record Delivery(
            boolean enabled,
            int remotePort,
            int maxParallel,
            int maxPerDestination,
            Duration retryInitial,
            Duration retryMax,
            Duration maxLifetime,
            Duration delayWarning,
            boolean allowAddressLiterals,
            boolean startTls,
            Duration connectTimeout,
            Duration commandTimeout,
            Duration dataTimeout) {}

    /** The operator interface (HTTP, JSON) used by {@code facteur queue flush|hold|...}. */
    public record Admin(HostPort listen) {}

    /** PEM files: the certificate chain and its PKCS#8 private key. */
    public record Tls(Path certificate, Path privateKey) {}

    public Path spoolDir() {
        return dataDir.resolve("spool");
    }
}

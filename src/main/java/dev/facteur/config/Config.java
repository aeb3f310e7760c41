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

    public record Delivery(int remotePort) {}

    /** PEM files: the certificate chain and its PKCS#8 private key. */
    public record Tls(Path certificate, Path privateKey) {}

    public Path spoolDir() {
        return dataDir.resolve("spool");
    }
}

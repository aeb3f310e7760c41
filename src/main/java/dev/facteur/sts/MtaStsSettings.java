package dev.facteur.sts;

import dev.facteur.net.HostPort;
import dev.facteur.tls.CertificateFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code [mta_sts]}: the policy we publish and where it is served, and whether delivery looks up
 * receivers' policies (docs/mta-sts.md).
 *
 * @param listen      HTTPS addresses serving our policy; empty: none here
 * @param certificate the listener's certificate and key (the {@code [tls]} ones by default);
 *                    present whenever {@code listen} is not empty
 * @param policy      the policy served for every local domain
 * @param policies    whether delivery looks up and applies receivers' policies
 * @param policyPort  the port receivers' policy hosts are fetched from: 443 but in tests
 * @param caFile      certificate authorities trusted for fetching besides the JDK's, if any
 * @param cacheDir    where fetched policies are kept
 */
public record MtaStsSettings(List<HostPort> listen, Optional<CertificateFiles.Pair> certificate, StsPolicy policy, boolean policies,
        int policyPort, Optional<Path> caFile, Path cacheDir) {

    public MtaStsSettings {
        listen = List.copyOf(listen);
        if (!listen.isEmpty() && certificate.isEmpty()) throw new IllegalArgumentException("an HTTPS listener needs a certificate");
    }
}

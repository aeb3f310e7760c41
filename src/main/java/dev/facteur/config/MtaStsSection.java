package dev.facteur.config;

import dev.facteur.net.HostPort;
import dev.facteur.sts.MtaStsSettings;
import dev.facteur.sts.StsPolicy;
import dev.facteur.tls.CertificateFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Reads {@code [mta_sts]}: the policy we serve and where, and how receivers' policies are fetched (docs/mta-sts.md). */
final class MtaStsSection {

    private MtaStsSection() {}

    /** @param tls the {@code [tls]} certificate, the listener's by default */
    static MtaStsSettings read(Table t, Path dataDir, String hostname, Optional<Config.Tls> tls) throws ConfigException {
        List<HostPort> listen = t.list("listen", List.of(), HostPort::parse);
        Optional<Path> certificate = t.optional("certificate", Path::of);
        Optional<Path> key = t.optional("private_key", Path::of);
        if (certificate.isPresent() != key.isPresent())
            t.fail(certificate.isPresent() ? "certificate" : "private_key", "needs private_key and certificate together");
        Optional<CertificateFiles.Pair> pair = certificate.map(c -> new CertificateFiles.Pair(c, key.orElseThrow()))
                .or(() -> tls.map(x -> new CertificateFiles.Pair(x.certificate(), x.privateKey())));
        if (!listen.isEmpty() && pair.isEmpty())
            t.fail("listen", "needs a certificate valid for mta-sts.DOMAIN: set certificate and private_key here, or [tls]");
        StsPolicy.Mode mode = t.convert("mode", "testing", v -> StsPolicy.Mode.of(v)
                .orElseThrow(() -> new IllegalArgumentException("must be \"enforce\", \"testing\" or \"none\"")));
        boolean mxGiven = t.has("mx");
        List<String> mx = t.list("mx", List.of(hostname), v -> v);
        Duration maxAge = t.convert("max_age", "7d", Units::parseDuration);
        if (maxAge.compareTo(StsPolicy.MAX_AGE_LIMIT) > 0 || maxAge.toMillis() % 1000 != 0)
            t.fail("max_age", "must be whole seconds, at most " + StsPolicy.MAX_AGE_LIMIT.toSeconds() + " (a year, RFC 8461 §3.2)");
        StsPolicy policy;
        try {
            policy = new StsPolicy(mode, mx, maxAge); // max_age is checked above: what it refuses is about mx
        } catch (IllegalArgumentException e) {
            throw t.error("mx", mxGiven ? e.getMessage() : "the hostname \"" + hostname + "\" is no MX host name: set mx");
        }
        boolean policies = t.bool("policies", true);
        int policyPort = t.integer("policy_port", 443, 1, 65535);
        Optional<Path> caFile = t.optional("ca_file", Path::of);
        if (caFile.isPresent() && !Files.isReadable(caFile.get())) t.fail("ca_file", "cannot read " + caFile.get());
        Path cacheDir = t.convert("cache_dir", dataDir.resolve("mta-sts").toString(), Path::of);
        t.finish();
        return new MtaStsSettings(listen, pair, policy, policies, policyPort, caFile, cacheDir);
    }
}

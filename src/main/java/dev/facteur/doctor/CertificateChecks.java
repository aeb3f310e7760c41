package dev.facteur.doctor;

import dev.facteur.config.Config;
import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.Mx;
import dev.facteur.dns.MxAnswer;
import dev.facteur.tls.CertificateIdentity;
import dev.facteur.tls.PemTls;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The certificate of {@code [tls]} (and of each {@code [[tls.sni]]}): it and its key read and pair;
 * it names the hostname, and the MX names that point here (what a sender that verifies asks
 * for: MTA-STS); it is valid now and for at least {@link #SOON} more; the chain is in order, each
 * certificate followed by its issuer.
 */
final class CertificateChecks implements ServerChecks {

    /** Renewal usually happens 30 days ahead: 14 days left means it failed. */
    static final Duration SOON = Duration.ofDays(14);

    private final DnsResolver dns;
    private final Clock clock;

    CertificateChecks(DnsResolver dns, Clock clock) {
        this.dns = dns;
        this.clock = clock;
    }

    @Override
    public List<Check> check(Installation server) {
        if (server.config().tls().isEmpty())
            return List.of(Check.warn("No certificate: STARTTLS is not offered",
                    "senders deliver in clear text, and some mark or refuse such mail; add [tls] with a certificate for "
                            + server.hostname(), "facteur tls self-signed   (a start; a certificate from an authority is better)"));
        Config.Tls tls = server.config().tls().get();
        List<Check> out = new ArrayList<>(pair(server, tls.certificate(), tls.privateKey(), true));
        for (Config.Tls sni : tls.sni()) out.addAll(pair(server, sni.certificate(), sni.privateKey(), false));
        return out;
    }

    private List<Check> pair(Installation server, Path certificate, Path keyFile, boolean main) {
        String which = main ? "The certificate" : "The certificate " + certificate;
        List<X509Certificate> chain;
        PrivateKey key;
        try {
            chain = Certificates.read(certificate);
            key = PemTls.readKey(keyFile);
        } catch (IOException e) {
            return List.of(Check.fail(which + " cannot be read", e.getMessage()
                    + "; the server does not start with it"));
        }
        List<Check> out = new ArrayList<>();
        X509Certificate leaf = chain.getFirst();
        if (!CertificateIdentity.belongTogether(leaf.getPublicKey(), key))
            out.add(Check.fail("The private key " + keyFile + " is not the key of " + (main ? "the certificate" : certificate.toString()),
                    "every TLS handshake fails",
                    "[tls] private_key = the key the certificate was made for"));
        List<String> names = CertificateIdentity.names(leaf);
        if (main) out.addAll(names(server, names));
        out.add(validity(which, leaf));
        out.add(order(which, main ? "The certificate chain" : "The chain of " + certificate, certificate, chain));
        return out;
    }

    private List<Check> names(Installation server, List<String> names) {
        List<Check> out = new ArrayList<>();
        String h = server.hostname();
        if (CertificateIdentity.covers(names, h)) out.add(Check.pass("The certificate names the hostname " + h, "names: " + String.join(", ", names)));
        else out.add(Check.fail("The certificate does not name the hostname " + h, "it names " + String.join(", ", names)
                        + "; senders that verify the name refuse it",
                "a certificate whose names include " + h + ", e.g. certbot certonly --standalone -d " + h));
        List<String> missing = new ArrayList<>();
        for (String mx : mxHostsHere(server)) if (!CertificateIdentity.covers(names, mx)) missing.add(mx);
        if (!missing.isEmpty())
            out.add(Check.warn("The certificate does not name the MX host" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing),
                    "senders that verify (MTA-STS) check the MX name, not the hostname",
                    "a certificate whose names include " + String.join(", ", missing)));
        return out;
    }

    /** The MX hosts of the local domains that resolve to this server, other than the hostname. */
    private Set<String> mxHostsHere(Installation server) {
        Set<String> hosts = new LinkedHashSet<>();
        for (String d : server.localDomains())
            if (dns.mx(d) instanceof MxAnswer.Records(var mxs))
                for (Mx mx : mxs)
                    if (!mx.host().equals(server.hostname()) && dns.addresses(mx.host()) instanceof AddressAnswer.Found(var a)
                            && a.stream().anyMatch(server.ours()::contains)) hosts.add(mx.host());
        return hosts;
    }

    private Check validity(String which, X509Certificate leaf) {
        Instant now = clock.instant(), notAfter = leaf.getNotAfter().toInstant();
        LocalDate until = LocalDate.ofInstant(notAfter, ZoneOffset.UTC);
        String renew = "renew it (certbot renew), and make sure renewal runs by itself";
        if (now.isBefore(leaf.getNotBefore().toInstant()))
            return Check.fail(which + " is not valid before " + LocalDate.ofInstant(leaf.getNotBefore().toInstant(), ZoneOffset.UTC),
                    "is the clock right?");
        if (!now.isBefore(notAfter)) return Check.fail(which + " expired on " + until, "senders that verify refuse it", renew);
        long days = Duration.between(now, notAfter).toDays();
        if (Duration.between(now, notAfter).compareTo(SOON) < 0)
            return Check.warn(which + " expires in " + days + (days == 1 ? " day" : " days") + ", on " + until, "", renew);
        return Check.pass(which + " is valid until " + until + " (" + days + " days)", "");
    }

    private static Check order(String which, String chainName, Path file, List<X509Certificate> chain) {
        int wrong = Certificates.misordered(chain);
        if (wrong >= 0)
            return Check.fail(chainName + " is out of order: certificate " + (wrong + 2) + " of " + file + " did not issue certificate " + (wrong + 1),
                    "TLS clients expect the server's certificate first, then each issuer in turn",
                    "the server's certificate, then its issuers, in one file (certbot's fullchain.pem)");
        X509Certificate last = chain.getLast();
        String distrust = Certificates.distrust(chain);
        String trust = distrust == null ? "an authority the JDK trusts issued it" : "not trusted by the JDK's authorities: " + distrust;
        if (chain.size() == 1 && Certificates.selfSigned(last))
            return Check.pass(which + " is self-signed", "enough for the opportunistic TLS of most senders; MTA-STS needs one from an authority");
        if (chain.size() == 1 && distrust != null)
            return Check.warn(file + " holds no intermediate certificate", trust
                    + "; senders that verify need the issuers too", "the server's certificate, then its issuers, in one file (certbot's fullchain.pem)");
        return Check.pass(chainName + " is in order (" + chain.size() + (chain.size() == 1 ? " certificate)" : " certificates)"), trust);
    }
}

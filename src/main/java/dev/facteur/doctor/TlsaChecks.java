package dev.facteur.doctor;

import dev.facteur.config.Config;
import dev.facteur.dane.DaneVerifier;
import dev.facteur.dane.Usability;
import dev.facteur.dane.Verification;
import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.MxAnswer;
import dev.facteur.dns.SecureDns;
import dev.facteur.dns.Tlsa;
import dev.facteur.dns.Validated;
import dev.facteur.tls.CertificateIdentity;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * DANE for SMTP (RFC 7672), seen from the receiving side: for each name senders connect to for a
 * local domain's mail that is this server (its MX hosts with one of our addresses, as the MX check
 * finds them), the TLSA records at {@code _25._tcp.host} as a sender that uses DANE gets them
 * (DNSSEC-validated, {@link SecureDns}), checked against the chain this server presents to it, as
 * that sender checks it ({@link DaneVerifier}). A sender that finds records must get a match or
 * defer the mail, so a record that no longer matches stops mail from those senders: a failure.
 * No record in a signed zone is a suggestion; an unsigned zone has no DANE, and is no fault.
 *
 * <p>Without DNSSEC answers ({@code [dns] dnssec = "off"}, the default) nothing is asked: the
 * doctor answers as the server is configured to, and an insecure answer would say nothing here.
 */
final class TlsaChecks implements DomainChecks {

    /** RFC 7672 §2.2: the TLSA records of an MX host are those of its SMTP port. */
    static final int SMTP_PORT = 25;

    private final SecureDns secure; // null: [dns] dnssec is off
    private final DnsResolver dns;
    private final DaneVerifier verifier;

    /**
     * @param secure DNS with DNSSEC status, as {@code [dns] dnssec} asks for; null when it is off (the check is skipped)
     * @param dns    the plain resolver, for which MX hosts are ours (as the MX check decides)
     * @param clock  when a DANE-TA(2) chain must be valid
     */
    TlsaChecks(SecureDns secure, DnsResolver dns, Clock clock) {
        this.secure = secure;
        this.dns = dns;
        this.verifier = new DaneVerifier(clock);
    }

    @Override
    public List<Check> check(Installation server, Domain domain) {
        if (!domain.local()) return List.of();
        String d = domain.name();
        if (secure == null)
            return List.of(Check.skipped("TLSA records (DANE) of the MX hosts of " + d + ": not checked, [dns] dnssec is off",
                    "DANE needs DNSSEC-validated answers, and the doctor asks DNS as the server is configured to (docs/dane.md)",
                    "[dns] dnssec = \"validate\"   (or \"trust-ad\" with a validating resolver on this host)"));
        List<String> hosts = hostsHere(server, d);
        if (hosts.isEmpty())
            return List.of(Check.skipped("TLSA records (DANE) of " + d + ": none of its MX hosts was found to be this server",
                    "the MX check says where its mail goes"));
        List<Check> out = new ArrayList<>();
        for (String host : hosts) out.addAll(host(server, d, host));
        return out;
    }

    /**
     * The names senders connect to for {@code d} that are this server: its MX hosts that have one of
     * our addresses, or with no MX, {@code d} itself when its address is ours (RFC 5321 §5.1).
     */
    private List<String> hostsHere(Installation server, String d) {
        return switch (dns.mx(d)) {
            case MxAnswer.Records(var mxs) -> mxs.stream().map(mx -> mx.host().toLowerCase(Locale.ROOT)).distinct()
                    .filter(h -> ours(server, h)).toList();
            case MxAnswer.NoRecords() -> ours(server, d) ? List.of(d) : List.of();
            default -> List.of();
        };
    }

    private boolean ours(Installation server, String host) {
        return dns.addresses(host) instanceof AddressAnswer.Found(var a) && a.stream().anyMatch(server.ours()::contains);
    }

    /** The checks of one host, in the order of RFC 7672 §2.2: what DNSSEC says of the lookup, then the records. */
    private List<Check> host(Installation server, String d, String host) {
        String name = "_25._tcp." + host;
        return switch (secure.tlsa(host, SMTP_PORT)) {
            case Validated.Insecure<List<Tlsa>> unsigned -> List.of(Check.skipped("No DANE for " + host + ": its zone is not signed with DNSSEC",
                    "DANE needs a DNSSEC-signed zone (and its DS record at the parent): senders use only TLSA records that DNSSEC proves"
                            + " (RFC 7672 §2.2)"));
            case Validated.Bogus<List<Tlsa>>(var reason) -> List.of(Check.fail("The DNSSEC signatures of " + name + " do not verify (bogus)",
                    reason + "; senders that use DANE defer mail to " + host + " while it lasts (RFC 7672 §2.1.1), and validating"
                            + " resolvers refuse such answers: re-sign the zone, or correct its DS record at the parent"));
            case Validated.TempFail<List<Tlsa>>(var reason) -> List.of(Check.warn("The TLSA records of " + name + " could not be had with DNSSEC",
                    reason + "; a resolver that does not pass DNSSEC records on (DS, DNSKEY, RRSIG) fails this way too"));
            case Validated.Secure<List<Tlsa>>(var records) -> secured(server, d, host, records);
        };
    }

    /** Proven by DNSSEC: what a sender that uses DANE does with the records and our chain. */
    private List<Check> secured(Installation server, String d, String host, List<Tlsa> records) {
        String name = "_25._tcp." + host;
        List<Served> chains;
        try {
            chains = served(server.config(), host);
        } catch (IOException e) {
            return List.of(Check.skipped("The TLSA records of " + name + ": not checked, the certificate cannot be read", e.getMessage()));
        }
        if (chains.isEmpty())
            return List.of(records.isEmpty()
                    ? Check.skipped("No TLSA records for " + host, "DANE needs STARTTLS, which this server does not offer ([tls])")
                    : Check.fail(name + " has TLSA records, but this server offers no STARTTLS",
                            "senders that use DANE require TLS with " + host + ": they defer its mail (RFC 7672 §2.2)",
                            "[tls] certificate = ..., private_key = ...   (then publish its record in place of these)"));
        String[] publish = chains.stream().map(c -> Records.tlsa(host, Tlsa.forCertificate(c.leaf()))).distinct().toArray(String[]::new);
        if (records.isEmpty())
            return List.of(Check.skipped("No TLSA records for " + host,
                    "optional (RFC 7672): its zone is signed, so with this record senders that use DANE insist on TLS with "
                            + host + " and authenticate it, and no one on the way can strip STARTTLS or present another certificate",
                    publish));
        List<Tlsa> usable = Usability.usable(records);
        if (usable.isEmpty())
            return List.of(Check.warn("None of the TLSA records of " + name + " is usable for SMTP",
                    ignored(records, usable) + "; senders that use DANE insist on TLS with " + host
                            + " but authenticate nothing (RFC 7672 §3.1, RFC 7671 §10.3)", publish));
        List<Check> out = new ArrayList<>();
        for (Served chain : chains) out.add(verify(chain, chains.size() > 1, d, host, records, usable));
        if (out.stream().allMatch(c -> c instanceof Check.Pass) && currentKeyOnly(chains, usable, d, host))
            out.add(Check.warn("The TLSA records of " + name + " name the current key only",
                    "when the key changes (certbot makes a new one at each renewal unless told --reuse-key), senders that use DANE"
                            + " defer mail to " + host + " until the new key's record is published and their caches forget the old;"
                            + " publish the next key's record beside it first, and switch keys after twice its TTL (RFC 7671 §8.1)",
                    Records.tlsa(host, "3 1 1 <SHA-256 of the next key>"), "or keep the key across renewals: certbot --reuse-key"));
        return out;
    }

    /** One chain against the records, as a sender that uses DANE checks it: the MX host, then the domain, as reference identifiers (RFC 7672 §3.2.2). */
    private Check verify(Served chain, boolean several, String d, String host, List<Tlsa> records, List<Tlsa> usable) {
        String name = "_25._tcp." + host;
        String which = several ? "The certificate " + chain.file() : "The certificate";
        return switch (verifier.verify(chain.certificates(), records, List.of(host, d))) {
            case Verification.Verified(var record, var how) -> Check.pass(which + " matches the TLSA record of " + host + " (" + shortly(record) + ")",
                    Records.tlsa(host, record) + ": " + how);
            case Verification.Failed(var reason) -> Check.fail("No TLSA record of " + name + " matches " + (several ? "the certificate "
                    + chain.file() : "the certificate"),
                    reason + (usable.size() < records.size() ? "; " + ignored(records, usable) : "")
                            + "; senders that use DANE defer mail to " + host + " (RFC 7672 §2.2)",
                    Records.tlsa(host, Tlsa.forCertificate(chain.leaf())));
        };
    }

    /**
     * Whether no record is ready for another key: every usable record is DANE-EE(3) and matches a
     * certificate served now. A DANE-TA(2) record survives a new key from the same authority.
     */
    private boolean currentKeyOnly(List<Served> chains, List<Tlsa> usable, String d, String host) {
        return usable.stream().allMatch(r -> r.usage() == Tlsa.DANE_EE && chains.stream()
                .anyMatch(c -> verifier.verify(List.of(c.leaf()), List.of(r), List.of(host, d)) instanceof Verification.Verified));
    }

    /** Why the records a sender ignores are ignored: unusable, or a weaker digest beside a stronger one. */
    private static String ignored(List<Tlsa> records, List<Tlsa> usable) {
        List<String> why = new ArrayList<>();
        for (Tlsa r : records)
            if (!usable.contains(r))
                why.add(Usability.whyUnusable(r).orElse(r.mnemonic() + ": ignored beside a stronger digest of the same usage and selector"
                        + " (RFC 7671 §9)"));
        return "ignored by senders: " + String.join("; ", why);
    }

    /** "3 1 1 0c72ac70b745ac19...": enough to tell records apart in a title. */
    private static String shortly(Tlsa r) {
        String hex = HexFormat.of().formatHex(r.data());
        return r.usage() + " " + r.selector() + " " + r.matchingType() + " " + (hex.length() > 16 ? hex.substring(0, 16) + "..." : hex);
    }

    /** A certificate file and its chain, as the server presents it. */
    private record Served(Path file, List<X509Certificate> certificates) {
        X509Certificate leaf() {
            return certificates.getFirst();
        }
    }

    /**
     * The chains the server may present to a sender that asks for {@code host} by SNI, as senders
     * that use DANE do (RFC 7672 §8.1): as the TLS server chooses ({@code tls.CertificateFiles}),
     * every certificate of {@code [tls]} and {@code [[tls.sni]]} that names the host (the key type
     * the sender prefers picks among them), else the one of {@code [tls]}. Empty without {@code [tls]}.
     */
    private static List<Served> served(Config config, String host) throws IOException {
        if (config.tls().isEmpty()) return List.of();
        Config.Tls tls = config.tls().get();
        List<Path> files = new ArrayList<>(List.of(tls.certificate()));
        tls.sni().forEach(s -> files.add(s.certificate()));
        List<Served> all = new ArrayList<>();
        for (Path f : files) all.add(new Served(f, Certificates.read(f)));
        List<Served> named = all.stream().filter(s -> CertificateIdentity.covers(CertificateIdentity.names(s.leaf()), host)).toList();
        return named.isEmpty() ? List.of(all.getFirst()) : named;
    }
}

package dev.facteur.auth.arc;

import static dev.facteur.auth.arc.ArcTestData.stream;

import dev.facteur.auth.dkim.DkimKeys;
import dev.facteur.auth.dkim.DkimSigner;
import dev.facteur.auth.dkim.SigningKey;
import dev.facteur.testing.FakeDnsResolver;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Forwarders for the ARC tests: each has its own RSA key, published in one shared fake DNS, and
 * seals what it passes on after validating what it got, as a mailing list or forwarding service does.
 */
final class Forwarders {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);

    static final String MESSAGE = """
            From: Alice <alice@origin.example>\r
            To: list@lists.example\r
            Subject: Minutes\r
            Date: Tue, 01 Dec 2026 09:59:00 +0000\r
            Message-ID: <minutes@origin.example>\r
            MIME-Version: 1.0\r
            Content-Type: text/plain\r
            \r
            The minutes are attached.\r
            """;

    final FakeDnsResolver dns = new FakeDnsResolver();

    /** A forwarder sealing for {@code domain} under selector "arc". */
    SigningKey key(String domain) throws Exception {
        KeyPair pair = DkimKeys.generate("rsa", 1024);
        dns.withTxt("arc._domainkey." + domain, DkimKeys.record(pair));
        return new SigningKey(domain, "arc", new DkimSigner.Key("rsa-sha256", pair.getPrivate()));
    }

    ArcVerifier verifier() {
        return new ArcVerifier(dns, CLOCK);
    }

    /** {@code message} as {@code key}'s forwarder passes it on: validated, then sealed (when it seals). */
    String forward(String message, SigningKey key) throws Exception {
        return forward(message, key, UnaryOperator.identity());
    }

    /**
     * As {@link #forward(String, SigningKey)}, with a change made between receiving and sealing
     * (a list's subject tag or footer): the chain is validated as received, and the seal made
     * after every change (RFC 8617 §5.1 step 1).
     */
    String forward(String message, SigningKey key, UnaryOperator<String> change) throws Exception {
        ArcResult chain = verifier().verify(stream(message));
        String changed = change.apply(message);
        var sealer = new ArcSealer(key, "mx." + key.domain(), CLOCK);
        return switch (sealer.seal(stream(changed), chain, List.of("spf=pass smtp.mailfrom=origin.example"))) {
            case ArcSealer.Sealing.Sealed sealed -> String.join("", sealed.fields()) + changed;
            case ArcSealer.Sealing.NotSealed not -> changed;
        };
    }

    ArcResult verify(String message) throws Exception {
        return verifier().verify(stream(message));
    }
}

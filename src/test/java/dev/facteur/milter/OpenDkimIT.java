package dev.facteur.milter;

import static dev.facteur.milter.Dialogue.crlf;
import static dev.facteur.milter.Dialogue.send;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against OpenDKIM (libmilter) signing: the change it asks for, applied as Postfix
 * applies it, gives a message a receiving verifier passes. Simple canonicalization (RFC 6376
 * §3.4.1, §3.4.3), so every byte of the fields the client sent and of the field it got back counts.
 */
class OpenDkimIT {

    @TempDir
    static Path dir;
    private static KeyPair key;
    private static OpenDkim opendkim;

    /** Folded, tabbed and doubly spaced fields: what the client sends of them must reach the signer as they are. */
    static final String MESSAGE = """
            From: Alice <alice@example.test>
            To:\tBob <bob@example.org>,
             Carol <carol@example.org>
            Subject:  two spaces
            Date: Tue, 01 Dec 2026 10:00:00 +0000
            Message-ID: <dkim-1@example.test>

            Hello Bob,
            \tthis line starts with a tab.

            """;

    @BeforeAll
    static void start() throws Exception {
        var generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        key = generator.generateKeyPair();
        opendkim = OpenDkim.start(dir, "example.test", "sel", key.getPrivate(), "simple/simple");
    }

    @AfterAll
    static void stop() {
        if (opendkim != null) opendkim.close();
    }

    @Test
    void itsSignatureFieldMadeTheFirstFieldGivesAMessageThatVerifies() throws Exception {
        EndOfMessage eom;
        try (var m = Dialogue.open(opendkim.address())) {
            eom = send(m, "alice@example.test", "bob@example.org", MESSAGE);
        }
        assertThat(eom.response()).isInstanceOf(Response.Accept.class);
        assertThat(eom.modifications()).hasSize(1).first().isInstanceOfSatisfying(Modification.InsertHeader.class, h -> {
            assertThat(h.index()).isZero(); // at the top: before the fields it signs
            assertThat(h.name()).isEqualTo("DKIM-Signature");
            assertThat(h.value()).startsWith(" v=1; a=rsa-sha256; c=simple/simple; d=example.test; s=sel;").contains("\r\n\t");
        });
        var signature = (Modification.InsertHeader) eom.modifications().getFirst();
        String written = signature.name() + ":" + signature.value() + "\r\n" + crlf(MESSAGE);
        assertThat(DkimCheck.verify(written.getBytes(StandardCharsets.ISO_8859_1), key.getPublic())).isEqualTo("pass");
        String tampered = written.replace("Hello Bob", "Hello Eve");
        assertThat(DkimCheck.verify(tampered.getBytes(StandardCharsets.ISO_8859_1), key.getPublic())).startsWith("body hash");
    }

    @Test
    void mailFromAnotherDomainIsNotSigned() throws Exception {
        try (var m = Dialogue.open(opendkim.address())) {
            EndOfMessage eom = send(m, "mallory@example.net", "bob@example.org", MESSAGE.replace("alice@example.test", "mallory@example.net"));
            assertThat(eom).isEqualTo(new EndOfMessage(new Response.Accept(), List.of()));
        }
    }
}

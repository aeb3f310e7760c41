package dev.facteur.auth.arc;

import static dev.facteur.auth.arc.ArcTestData.stream;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dkim.DkimKeys;
import dev.facteur.auth.dkim.DkimSigner;
import dev.facteur.auth.dkim.SigningKey;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.FakeDnsResolver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Facteur's ARC and dkimpy's (Debian python3-dkim 1.1.4, the ValiMail suite's reference) on the
 * same messages: what one seals, the other validates, across a chain both add to. Both read the
 * keys from the same records, dkimpy through its dnsfunc, Facteur through a fake resolver.
 */
class ArcInteropIT {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);

    /** Enough signed fields that the message signature's h= folds over lines, as real list mail does. */
    static final String MESSAGE = """
            DKIM-Signature: v=1; a=rsa-sha256; d=origin.example; s=x; h=from; bh=AAAA; b=AAAA\r
            From: Alice <alice@origin.example>\r
            Reply-To: Minutes team <minutes@origin.example>\r
            To: list@lists.example\r
            Cc: archive@lists.example\r
            Subject: Minutes\r
            In-Reply-To: <agenda@origin.example>\r
            References: <agenda@origin.example>\r
            List-Id: <list.lists.example>\r
            List-Post: <mailto:list@lists.example>\r
            List-Unsubscribe: <mailto:list-leave@lists.example>\r
            Date: Tue, 01 Dec 2026 09:59:00 +0000\r
            Message-ID: <minutes@origin.example>\r
            MIME-Version: 1.0\r
            Content-Type: text/plain\r
            \r
            The minutes are attached.  With  spaces.\r
            \r
            \r
            """;

    @TempDir
    static Path dir;

    static final Map<String, String> records = new LinkedHashMap<>();
    static SigningKey facteur;
    static Path dkimpyKey;

    @BeforeAll
    static void keys() throws Exception {
        KeyPair ours = DkimKeys.generate("rsa", 2048);
        records.put("fct._domainkey.facteur.example", DkimKeys.record(ours));
        facteur = new SigningKey("facteur.example", "fct", new DkimSigner.Key("rsa-sha256", ours.getPrivate()));
        KeyPair theirs = DkimKeys.generate("rsa", 2048);
        records.put("py._domainkey.dkimpy.example", DkimKeys.record(theirs));
        dkimpyKey = dir.resolve("dkimpy.pem");
        DkimKeys.writePrivateKey(theirs, dkimpyKey);
        Files.writeString(dir.resolve("dns.json"), new JsonMapper().writeValueAsString(records));
    }

    @Test
    void aChainFacteurStartsValidatesInDkimpy() throws Exception {
        String sealed = facteurSeals(MESSAGE);
        assertThat(facteurVerifies(sealed)).isInstanceOf(ArcResult.Pass.class);
        assertThat(dkimpyVerifies(sealed).get("cv").asString()).isEqualTo("pass");
    }

    @Test
    void aChainDkimpyStartsValidatesInFacteur() throws Exception {
        String sealed = dkimpySeals(MESSAGE, "none");
        assertThat(dkimpyVerifies(sealed).get("cv").asString()).isEqualTo("pass");
        assertThat(facteurVerifies(sealed)).isInstanceOfSatisfying(ArcResult.Pass.class, pass -> {
            assertThat(pass.sealers()).containsExactly("dkimpy.example");
            assertThat(pass.newest().authservId()).isEqualTo("mx.dkimpy.example");
        });
    }

    @Test
    void dkimpySealsOneAndFacteurTwoAndBothValidateTheChain() throws Exception {
        String sealed = facteurSeals(dkimpySeals(MESSAGE, "none"));
        assertThat(facteurVerifies(sealed)).isInstanceOfSatisfying(ArcResult.Pass.class,
                pass -> assertThat(pass.sealers()).containsExactly("dkimpy.example", "facteur.example"));
        assertThat(dkimpyVerifies(sealed).get("cv").asString()).isEqualTo("pass");
    }

    @Test
    void facteurSealsOneAndDkimpyTwoAndBothValidateTheChain() throws Exception {
        String sealed = dkimpySeals(facteurSeals(MESSAGE), "pass");
        assertThat(dkimpyVerifies(sealed).get("cv").asString()).isEqualTo("pass");
        assertThat(facteurVerifies(sealed)).isInstanceOfSatisfying(ArcResult.Pass.class,
                pass -> assertThat(pass.sealers()).containsExactly("facteur.example", "dkimpy.example"));
    }

    @Test
    void aMessageChangedAfterFacteursSealFailsInBoth() throws Exception {
        String changed = facteurSeals(MESSAGE).replace("The minutes", "The real minutes");
        assertThat(facteurVerifies(changed)).isInstanceOf(ArcResult.Fail.class);
        assertThat(dkimpyVerifies(changed).get("cv").asString()).isEqualTo("fail");
    }

    private static ArcResult facteurVerifies(String message) throws Exception {
        return new ArcVerifier(dns(), CLOCK).verify(stream(message));
    }

    /** Facteur's hop: validate what came, seal, put the set on top. */
    private static String facteurSeals(String message) throws Exception {
        ArcResult chain = facteurVerifies(message);
        var sealing = new ArcSealer(facteur, "mx.facteur.example", CLOCK).seal(stream(message), chain, List.of("spf=pass smtp.mailfrom=origin.example"));
        assertThat(sealing).isInstanceOf(ArcSealer.Sealing.Sealed.class);
        return String.join("", ((ArcSealer.Sealing.Sealed) sealing).fields()) + message;
    }

    /** dkimpy's hop: it takes the chain's status from our Authentication-Results, so the hop writes one first. */
    private static String dkimpySeals(String message, String arc) throws Exception {
        String received = "Authentication-Results: mx.dkimpy.example; arc=" + arc + ";\r\n\tspf=pass smtp.mailfrom=origin.example\r\n" + message;
        Path file = write(received);
        JsonNode out = ExternalProcess.python("/dev/facteur/auth/arc/dkimpy_arc.py", "seal", file.toString(), dir.resolve("dns.json").toString(),
                dkimpyKey.toString(), "py", "dkimpy.example", "mx.dkimpy.example", "from:to:subject:date:message-id",
                Long.toString(CLOCK.instant().getEpochSecond()));
        StringBuilder set = new StringBuilder();
        for (JsonNode f : out.get("fields")) set.append(f.asString());
        assertThat(set.toString()).startsWith("ARC-Seal:");
        return set + received;
    }

    private static JsonNode dkimpyVerifies(String message) throws Exception {
        return ExternalProcess.python("/dev/facteur/auth/arc/dkimpy_arc.py", "verify", write(message).toString(), dir.resolve("dns.json").toString());
    }

    private static FakeDnsResolver dns() {
        FakeDnsResolver dns = new FakeDnsResolver();
        records.forEach(dns::withTxt);
        return dns;
    }

    private static Path write(String message) throws Exception {
        Path file = Files.createTempFile(dir, "message", ".eml");
        Files.write(file, message.getBytes(StandardCharsets.ISO_8859_1));
        return file;
    }
}

package dev.facteur.auth.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.FacteurCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** New keys and the TXT records that publish them: what a verifier reads from DNS checks what the key signs. */
class DkimKeysTest {

    @TempDir
    Path dir;

    /** The public key a verifier builds from the record's p=. */
    private static PublicKey fromRecord(String record) throws Exception {
        String k = record.replaceAll(".*k=([a-z0-9]+);.*", "$1");
        byte[] p = Base64.getDecoder().decode(record.substring(record.indexOf("p=") + 2));
        if (k.equals("rsa")) return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(p));
        byte[] spki = HexFormat.of().parseHex("302a300506032b6570032100"); // RFC 8410: Ed25519 SubjectPublicKeyInfo prefix
        byte[] all = new byte[spki.length + 32];
        System.arraycopy(spki, 0, all, 0, spki.length);
        System.arraycopy(p, 0, all, spki.length, 32);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(all));
    }

    @Test
    void whatTheKeySignsTheRecordsKeyVerifies() throws Exception {
        for (String alg : List.of("rsa", "ed25519")) {
            var pair = DkimKeys.generate(alg, 2048);
            String record = DkimKeys.record(pair);
            assertThat(record).startsWith("v=DKIM1; k=" + alg + "; p=");
            String field = "DKIM-Signature: v=1; a=" + alg + "-sha256; d=example.org; s=sel; h=from; bh=x; b=";
            List<String> fields = List.of("From: a@example.org\r\n");
            String b = DkimSigner.sign(fields, List.of("from"), Canonicalization.RELAXED, field, new DkimSigner.Key(alg + "-sha256", pair.getPrivate()));
            byte[] data = DkimSigner.signedData(fields, List.of("from"), Canonicalization.RELAXED, field);
            Signature v = Signature.getInstance(alg.equals("rsa") ? "SHA256withRSA" : "Ed25519");
            v.initVerify(fromRecord(record));
            v.update(alg.equals("rsa") ? data : java.security.MessageDigest.getInstance("SHA-256").digest(data));
            assertThat(v.verify(Base64.getDecoder().decode(b))).as(alg).isTrue();
        }
    }

    @Test
    void aLongRecordIsSplitIntoStringsOf255BytesAtMost() throws Exception {
        String record = DkimKeys.record(DkimKeys.generate("rsa", 2048));
        List<String> strings = DkimKeys.strings(record);
        assertThat(strings).hasSizeGreaterThan(1).allSatisfy(s -> assertThat(s.length() - 2).isLessThanOrEqualTo(255));
        assertThat(String.join("", strings.stream().map(s -> s.substring(1, s.length() - 1)).toList())).isEqualTo(record);
    }

    @Test
    void keygenWritesAPrivateKeyAndPrintsTheRecordAndNeverReplacesAKey() throws Exception {
        Path key = dir.resolve("example.org.sel.key");
        var r = FacteurCli.run("dkim", "keygen", "--domain", "example.org", "--selector", "sel", "--algorithm", "ed25519", "--out", key.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("sel._domainkey.example.org. 3600 IN TXT ( \"v=DKIM1; k=ed25519; p=");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        var again = FacteurCli.run("dkim", "keygen", "--domain", "example.org", "--selector", "sel", "--out", key.toString());
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.stderr()).contains("exists");
        var weak = FacteurCli.run("dkim", "keygen", "--domain", "example.org", "--selector", "s2", "--bits", "512", "--out",
                dir.resolve("weak.key").toString());
        assertThat(weak.exitCode()).isEqualTo(2);
    }
}

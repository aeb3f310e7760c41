package dev.facteur.sasl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.codec.digest.Sha2Crypt;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * A stored password, written as Dovecot's {@code doveadm pw} writes it: {@code {SCHEME}hash}.
 * Checks a password against it, and makes new ones. Only hashes: a plain-text scheme is refused
 * when the user file is read.
 *
 * <ul>
 * <li>{@code {ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$SALT$HASH} (the PHC string, RFC 9106), the
 *     default for new passwords: memory-hard, about 64 MiB and a tenth of a second per check;
 * <li>{@code {BLF-CRYPT}$2y$05$...} (bcrypt, OpenBSD's format);
 * <li>{@code {SHA512-CRYPT}$6$[rounds=N$]SALT$HASH} (glibc's crypt);
 * <li>{@code {SCRAM-SHA-256}ITERATIONS,SALT,STOREDKEY,SERVERKEY} (RFC 5802 §3, RFC 7677), the only
 *     one the SCRAM-SHA-256 mechanism can use: the others do not hold its keys.
 * </ul>
 */
public final class PasswordHash {

    /** The schemes this reads; the first is what new passwords get. */
    public enum Scheme {
        ARGON2ID, BLF_CRYPT, SHA512_CRYPT, SCRAM_SHA_256;

        /** The name between braces: {@code BLF-CRYPT}. */
        public String label() {
            return name().replace('_', '-');
        }

        public static Scheme of(String label) {
            for (Scheme s : values()) if (s.label().equalsIgnoreCase(label)) return s;
            throw new IllegalArgumentException("unknown password scheme {" + label + "} (known: ARGON2ID, BLF-CRYPT, SHA512-CRYPT, SCRAM-SHA-256)");
        }
    }

    private static final Pattern STORED = Pattern.compile("\\{([A-Za-z0-9-]+)}(.+)");
    private static final Pattern ARGON2 = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=(\\d{1,8}),t=(\\d{1,4}),p=(\\d{1,3})\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Dovecot's defaults for new Argon2id hashes: 64 MiB, 3 passes, one lane. */
    static final int ARGON2_MEMORY_KIB = 65536, ARGON2_PASSES = 3;
    /** Beyond this an entry could make one check take gigabytes: refused when the file is read. */
    static final int ARGON2_MAX_MEMORY_KIB = 1024 * 1024;

    private final Scheme scheme;
    private final String hash;

    private PasswordHash(Scheme scheme, String hash) {
        this.scheme = scheme;
        this.hash = hash;
    }

    /** Reads {@code {SCHEME}hash}; IllegalArgumentException says what is wrong with it. */
    public static PasswordHash parse(String stored) {
        Matcher m = STORED.matcher(stored);
        if (!m.matches()) throw new IllegalArgumentException("a password is {SCHEME}hash, as doveadm pw writes it");
        String label = m.group(1).toUpperCase(Locale.ROOT);
        if (label.equals("PLAIN") || label.equals("CLEAR") || label.equals("CLEARTEXT"))
            throw new IllegalArgumentException("plain-text passwords are not accepted: store a hash (facteur user passwd, or doveadm pw)");
        Scheme scheme = Scheme.of(label);
        String hash = m.group(2);
        switch (scheme) {
            case ARGON2ID -> {
                Matcher a = ARGON2.matcher(hash);
                if (!a.matches()) throw new IllegalArgumentException("not an Argon2id hash: $argon2id$v=19$m=...,t=...,p=...$salt$hash");
                if (Integer.parseInt(a.group(1)) > ARGON2_MAX_MEMORY_KIB)
                    throw new IllegalArgumentException("an Argon2id hash that needs more than 1 GiB per check");
            }
            case BLF_CRYPT -> {
                if (!hash.matches("\\$2[aby]?\\$\\d\\d\\$[./A-Za-z0-9]{53}")) throw new IllegalArgumentException("not a bcrypt hash: $2y$NN$...");
            }
            case SHA512_CRYPT -> {
                if (!hash.matches("\\$6\\$(rounds=\\d{1,9}\\$)?[^$]{1,16}\\$[./A-Za-z0-9]{86}"))
                    throw new IllegalArgumentException("not a SHA-512 crypt hash: $6$salt$hash");
            }
            case SCRAM_SHA_256 -> Scram.parse(hash);
        }
        return new PasswordHash(scheme, hash);
    }

    /** A new hash of {@code password} in {@code scheme}, with a fresh salt. */
    public static PasswordHash of(char[] password, Scheme scheme) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        String hash = switch (scheme) {
            case ARGON2ID -> {
                byte[] out = argon2(password, salt, ARGON2_MEMORY_KIB, ARGON2_PASSES, 1, 32);
                var b64 = Base64.getEncoder().withoutPadding();
                yield "$argon2id$v=19$m=" + ARGON2_MEMORY_KIB + ",t=" + ARGON2_PASSES + ",p=1$" + b64.encodeToString(salt) + "$"
                        + b64.encodeToString(out);
            }
            case BLF_CRYPT -> OpenBSDBCrypt.generate("2y", password, salt, 10);
            case SHA512_CRYPT -> Sha2Crypt.sha512Crypt(utf8(password), "$6$" + cryptSalt(salt));
            case SCRAM_SHA_256 -> Scram.of(password, salt, Scram.ITERATIONS).toString();
        };
        return new PasswordHash(scheme, hash);
    }

    public Scheme scheme() {
        return scheme;
    }

    /** The SCRAM keys, for the SCRAM-SHA-256 mechanism; null for the other schemes. */
    Scram scram() {
        return scheme == Scheme.SCRAM_SHA_256 ? Scram.parse(hash) : null;
    }

    /** Whether {@code password} is the one hashed; in time that does not depend on where they differ. */
    public boolean matches(char[] password) {
        return switch (scheme) {
            case ARGON2ID -> {
                Matcher a = ARGON2.matcher(hash);
                if (!a.matches()) yield false;
                byte[] expected = Base64.getDecoder().decode(a.group(5));
                byte[] actual = argon2(password, Base64.getDecoder().decode(a.group(4)), Integer.parseInt(a.group(1)),
                        Integer.parseInt(a.group(2)), Integer.parseInt(a.group(3)), expected.length);
                yield MessageDigest.isEqual(expected, actual);
            }
            case BLF_CRYPT -> OpenBSDBCrypt.checkPassword(hash, password);
            case SCRAM_SHA_256 -> Scram.parse(hash).matches(password);
            case SHA512_CRYPT -> {
                int lastDollar = hash.lastIndexOf('$');
                String again = Sha2Crypt.sha512Crypt(utf8(password), hash.substring(0, lastDollar));
                yield MessageDigest.isEqual(again.getBytes(StandardCharsets.US_ASCII), hash.getBytes(StandardCharsets.US_ASCII));
            }
        };
    }

    private static byte[] argon2(char[] password, byte[] salt, int memoryKib, int passes, int lanes, int length) {
        var params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt).withMemoryAsKB(memoryKib).withIterations(passes).withParallelism(lanes).build();
        var generator = new Argon2BytesGenerator();
        generator.init(params);
        byte[] out = new byte[length];
        byte[] pw = utf8(password);
        try {
            generator.generateBytes(pw, out);
        } finally {
            Arrays.fill(pw, (byte) 0);
        }
        return out;
    }

    static byte[] utf8(char[] password) {
        var buffer = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(password));
        byte[] out = new byte[buffer.remaining()];
        buffer.get(out);
        return out;
    }

    /** crypt(3)'s salt alphabet. */
    private static String cryptSalt(byte[] random) {
        String alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        var sb = new StringBuilder(16);
        for (byte b : random) sb.append(alphabet.charAt((b & 0xFF) % 64));
        return sb.toString();
    }

    @Override
    public String toString() {
        return "{" + scheme.label() + "}" + hash;
    }
}

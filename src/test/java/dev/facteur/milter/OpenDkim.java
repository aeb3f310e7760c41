package dev.facteur.milter;

import dev.facteur.net.HostPort;
import dev.facteur.testing.Daemon;
import dev.facteur.testing.Loopback;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.List;

/**
 * A private OpenDKIM signer for tests, on a loopback host of its own: it signs mail from
 * 127.0.0.0/8 whose From: is in {@code domain}, with {@code key} under {@code selector}. It
 * looks nothing up in DNS to sign.
 */
public final class OpenDkim implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/sbin/opendkim");
    private static final int PORT = 8891;

    private final Daemon daemon;
    private final MilterAddress address;

    private OpenDkim(Daemon daemon, MilterAddress address) {
        this.daemon = daemon;
        this.address = address;
    }

    public static OpenDkim start(Path dir, String domain, String selector, PrivateKey key, String canonicalization) throws IOException {
        return Daemon.onSomeAddress(() -> startOn(Loopback.host(), dir, domain, selector, key, canonicalization));
    }

    private static OpenDkim startOn(String host, Path dir, String domain, String selector, PrivateKey key, String canonicalization)
            throws IOException {
        Path keyFile = dir.resolve(selector + ".pem");
        Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        Path conf = dir.resolve("opendkim.conf");
        Files.writeString(conf, """
                Syslog no
                Background no
                LogWhy yes
                Mode s
                Domain %s
                Selector %s
                KeyFile %s
                RequireSafeKeys false
                Canonicalization %s
                InternalHosts 127.0.0.0/8
                Socket inet:%d@%s
                """.formatted(domain, selector, keyFile, canonicalization, PORT, host));
        // RequireSafeKeys false: the key sits under /tmp, which others may write to
        var at = new InetSocketAddress(host, PORT);
        Daemon d = Daemon.start("opendkim on " + host + ":" + PORT, List.of(BINARY.toString(), "-f", "-x", conf.toString()),
                dir.resolve("opendkim.log"), self -> self.listensOn(at, true));
        return new OpenDkim(d, new MilterAddress.Inet(new HostPort(host, PORT)));
    }

    public MilterAddress address() {
        return address;
    }

    @Override
    public void close() {
        daemon.close();
    }
}

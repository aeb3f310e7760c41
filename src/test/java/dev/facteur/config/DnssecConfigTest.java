package dev.facteur.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.dns.TrustAnchors;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code [dns] dnssec} and {@code trust_anchors}: off by default; "validate" from the root's anchors or a file's; "trust-ad" on loopback only. */
class DnssecConfigTest {

    private static Config parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, "facteur.toml");
    }

    @Test
    void offByDefaultWithTheRootsAnchorsReady() throws ConfigException {
        assertThat(parse("").dnssec()).isEqualTo(new Config.Dnssec(Config.Dnssec.Mode.OFF, TrustAnchors.root()));
    }

    @Test
    void validateFromTheRootOrFromAFilesAnchors(@TempDir Path dir) throws Exception {
        assertThat(parse("[dns]\ndnssec = \"validate\"\n").dnssec()).isEqualTo(new Config.Dnssec(Config.Dnssec.Mode.VALIDATE, TrustAnchors.root()));
        Path file = dir.resolve("anchors.zone");
        Files.writeString(file, "dane.test. DS 2292 13 2 9d64fbc5511b87f904271fca5ab7ba8b9c53d126ac96e71a32adb55946492333\n");
        var dnssec = parse("[dns]\ndnssec = \"validate\"\ntrust_anchors = \"" + file + "\"\n").dnssec();
        assertThat(dnssec.trustAnchors()).isEqualTo(TrustAnchors.read(file));
    }

    @Test
    void aTrustAnchorFileThatCannotBeUsedStopsTheStart(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> parse("[dns]\ndnssec = \"validate\"\ntrust_anchors = \"" + dir.resolve("missing") + "\"\n"))
                .hasMessageStartingWith("facteur.toml:3: dns.trust_anchors: cannot be read: ");
        Path wrong = dir.resolve("hosts");
        Files.writeString(wrong, "mx.dane.test. 300 A 127.0.0.1\n");
        assertThatThrownBy(() -> parse("[dns]\ndnssec = \"validate\"\ntrust_anchors = \"" + wrong + "\"\n"))
                .hasMessageContaining("is not a trust anchor");
    }

    @Test
    void trustAnchorsWithoutValidationIsAMistake() {
        assertThatThrownBy(() -> parse("[dns]\ntrust_anchors = \"/etc/facteur/anchors.zone\"\n"))
                .hasMessage("facteur.toml:2: dns.trust_anchors: is used only with dnssec = \"validate\"");
    }

    @Test
    void trustAdBelievesOnlyResolversOnLoopback() throws ConfigException { // nothing protects the AD bit on a network
        assertThat(parse("[dns]\nservers = [\"127.0.0.53:53\", \"[::1]:53\"]\ndnssec = \"trust-ad\"\n").dnssec().mode())
                .isEqualTo(Config.Dnssec.Mode.TRUST_AD);
        assertThatThrownBy(() -> parse("[dns]\nservers = [\"127.0.0.53:53\", \"192.0.2.53:53\"]\ndnssec = \"trust-ad\"\n"))
                .hasMessageStartingWith("facteur.toml:3: dns.dnssec: \"trust-ad\" needs resolvers on loopback")
                .hasMessageContaining("192.0.2.53:53");
        assertThatThrownBy(() -> parse("[dns]\ndnssec = \"trust-ad\"\n")).hasMessageContaining("must be named");
    }

    @Test
    void unknownModesAreRefused() {
        assertThatThrownBy(() -> parse("[dns]\ndnssec = \"yes\"\n"))
                .hasMessage("facteur.toml:2: dns.dnssec: must be \"off\", \"validate\" or \"trust-ad\"");
    }
}

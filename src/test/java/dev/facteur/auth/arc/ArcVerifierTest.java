package dev.facteur.auth.arc;

import static dev.facteur.auth.arc.ArcTestData.stream;
import static dev.facteur.auth.arc.Forwarders.CLOCK;
import static dev.facteur.auth.arc.Forwarders.MESSAGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dkim.SigningKey;
import dev.facteur.dns.TxtAnswer;
import dev.facteur.message.HeaderSection;
import dev.facteur.testing.FakeDnsResolver;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What a validator makes of chains that are broken, forged, oversized or cannot be checked now. */
class ArcVerifierTest {

    static Forwarders net;
    static SigningKey lists, relay, intruder;
    static String twoHops;

    @BeforeAll
    static void chain() throws Exception {
        net = new Forwarders();
        lists = net.key("lists.example");
        relay = net.key("relay.example");
        intruder = net.key("intruder.example");
        twoHops = net.forward(net.forward(MESSAGE, lists), relay);
    }

    @Test
    void aMessageWithoutArcFieldsHasNoChain() throws Exception { // RFC 8617 §5.2 step 1
        ArcResult result = net.verify(MESSAGE);
        assertThat(result).isInstanceOf(ArcResult.None.class);
        assertThat(result.methodResult()).isEqualTo("arc=none");
    }

    @Test
    void aMissingSetIsAGap() throws Exception { // §5.2 step 3.B
        String withoutFirst = remove(twoHops, 1);
        assertThat(net.verify(withoutFirst)).isInstanceOfSatisfying(ArcResult.Fail.class, f -> {
            assertThat(f.reason()).startsWith("instance 1 has no ARC-Authentication-Results");
            assertThat(f.failure()).isEqualTo(ArcResult.Failure.BROKEN);
        });
    }

    @Test
    void anInstanceAboveFiftyFails() throws Exception { // §4.2.1, §5.2 step 1
        String renumbered = twoHops.replace("i=2;", "i=51;").replace("i=2\r\n", "i=51\r\n");
        assertThat(net.verify(renumbered)).isInstanceOfSatisfying(ArcResult.Fail.class,
                f -> assertThat(f.reason()).contains("i=51 is outside 1 to 50"));
    }

    @Test
    void aSealAddedOnTopWithoutItsSetFails() throws Exception { // §5.2 step 3.A
        String seal = fields(twoHops).getFirst().replace("i=2;", "i=3;");
        assertThat(net.verify(seal + twoHops)).isInstanceOfSatisfying(ArcResult.Fail.class,
                f -> assertThat(f.reason()).startsWith("instance 3 has no ARC-Authentication-Results"));
    }

    @Test
    void aSecondSealForAnInstanceFails() throws Exception {
        String seal = fields(twoHops).getFirst();
        assertThat(net.verify(seal + twoHops)).isInstanceOfSatisfying(ArcResult.Fail.class,
                f -> assertThat(f.reason()).isEqualTo("instance 2 has 2 ARC-Seal fields"));
    }

    @Test
    void aForgedSetOnTopOfAnotherChainFails() throws Exception { // the seal signs the sets below it, not the sets someone else had
        String other = net.forward(MESSAGE.replace("Minutes", "Agenda"), intruder);
        List<String> forged = fields(other).subList(0, 3); // intruder's i=1 set, renumbered as if it continued ours
        String top = String.join("", forged).replace("i=1;", "i=3;").replace("cv=none", "cv=pass");
        assertThat(net.verify(top + twoHops)).isInstanceOfSatisfying(ArcResult.Fail.class,
                f -> assertThat(f.reason()).startsWith("AMS i=3 (d=intruder.example)"));
    }

    @Test
    void aKeyDnsCannotGiveNowFailsAsTemporary() throws Exception { // RFC 8617 has no temperror: the chain fails, marked so
        var dns = new FakeDnsResolver().withTxt("arc._domainkey.relay.example", new TxtAnswer.TempFail("SERVFAIL"));
        ArcResult result = new ArcVerifier(dns, CLOCK).verify(stream(twoHops));
        assertThat(result).isInstanceOfSatisfying(ArcResult.Fail.class, f -> {
            assertThat(f.failure()).isEqualTo(ArcResult.Failure.TEMPORARY);
            assertThat(f.reason()).isEqualTo("AMS i=2 (d=relay.example): key lookup of arc._domainkey.relay.example failed: SERVFAIL");
        });
        assertThat(result.methodResult()).startsWith("arc=fail reason=\"AMS i=2");
    }

    @Test
    void aKeyLookupThatNeverAnswersTimesOut() throws Exception {
        var dns = new FakeDnsResolver().silent("arc._domainkey.relay.example");
        var verifier = new ArcVerifier(dns, CLOCK, new ArcVerifier.Limits(1 << 20, Duration.ofMillis(200)));
        assertThat(verifier.verify(stream(twoHops))).isInstanceOfSatisfying(ArcResult.Fail.class, f -> {
            assertThat(f.failure()).isEqualTo(ArcResult.Failure.TEMPORARY);
            assertThat(f.reason()).endsWith("did not finish in time");
        });
    }

    @Test
    void anOversizedHeaderSectionFailsUnread() throws Exception {
        String padded = "X-Padding: " + "x".repeat(4000) + "\r\n" + twoHops;
        var verifier = new ArcVerifier(net.dns, CLOCK, new ArcVerifier.Limits(2048, Duration.ofSeconds(5)));
        ArcResult result = verifier.verify(stream(padded));
        assertThat(result).isInstanceOfSatisfying(ArcResult.Fail.class, f -> assertThat(f.failure()).isEqualTo(ArcResult.Failure.UNREADABLE));
        assertThat(new ArcSealer(lists, "mx.lists.example", CLOCK).seal(stream(padded), result, List.of()))
                .isInstanceOf(ArcSealer.Sealing.NotSealed.class);
    }

    @Test
    void theResultDoesNotDependOnHowTheMessageArrives() throws Exception { // one byte at a time, as a slow peer sends it
        ArcResult whole = net.verify(twoHops);
        InputStream trickle = new FilterInputStream(stream(twoHops)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 1));
            }
        };
        assertThat(net.verifier().verify(trickle)).isEqualTo(whole);
    }

    @Test
    void damagedChainsNeverThrowAndNeverPassForWhatTheyDidNotSign() throws Exception {
        Random random = new Random(8617);
        byte[] original = twoHops.getBytes(StandardCharsets.ISO_8859_1);
        int headerEnd = twoHops.indexOf("\r\n\r\n");
        for (int n = 0; n < 300; n++) {
            byte[] damaged = original.clone();
            int at = random.nextInt(damaged.length);
            damaged[at] = (byte) random.nextInt(256);
            if (random.nextBoolean()) damaged = Arrays.copyOf(damaged, random.nextInt(damaged.length));
            ArcResult result = net.verifier().verify(new ByteArrayInputStream(damaged));
            assertThat(result).isNotNull();
            if (result instanceof ArcResult.Pass && damaged.length == original.length && at > headerEnd)
                assertThat(damaged[at]).as("a changed body passed").isEqualTo(original[at]);
        }
    }

    @Test
    void theMethodResultNamesTheSealersAndTheClient() throws Exception { // RFC 8617 §10.2: header.oldest-pass, smtp.remote-ip
        assertThat(net.verify(twoHops).methodResult(InetAddress.getByName("192.0.2.25")))
                .isEqualTo("arc=pass (i=2 sealed by lists.example,relay.example) header.oldest-pass=0 smtp.remote-ip=192.0.2.25");
    }

    /** The message with the three fields of instance {@code i} taken out. */
    private static String remove(String message, int i) {
        StringBuilder out = new StringBuilder();
        for (String f : fields(message)) if (!HeaderSection.name(f).startsWith("arc-") || !f.matches("(?s).*[ ;]i=" + i + "[;\r].*")) out.append(f);
        return out + message.substring(message.indexOf("\r\n\r\n") + 2);
    }

    private static List<String> fields(String message) {
        return new ArrayList<>(HeaderSection.fields(message.substring(0, message.indexOf("\r\n\r\n") + 2)));
    }
}

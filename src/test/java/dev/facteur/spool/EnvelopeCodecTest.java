package dev.facteur.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.Ret;
import dev.facteur.message.ReversePath;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The envelope's RFC 8689 REQUIRETLS tag in the spool: kept across a restart, and added so that
 * an envelope without it is written byte for byte as before, which older code still reads.
 */
class EnvelopeCodecTest {

    private static final Envelope ENVELOPE = new Envelope(new QueueId(0x1a2b3c4d5e6fL), Instant.ofEpochMilli(1_790_000_000_000L),
            ReversePath.of(new Mailbox("alice", "example.org")),
            List.of(Recipient.pending(new Mailbox("bob", "example.test"), Notify.DEFAULT, null)),
            -1, Body.SEVEN_BIT, false, Ret.FULL, null,
            new ClientInfo("192.0.2.7", "client.example", "ESMTPS", "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384"));

    /** {@link #ENVELOPE} as the code before REQUIRETLS (commit 6b1fe83) encoded it: envelope version 2. */
    private static final byte[] BEFORE_REQUIRETLS = HexFormat.of().parseHex(
            "0200001a2b3c4d5e6f000001a0c4506c00010005616c69636501000b6578616d706c652e6f7267ffffffffffffffff000000000100093139322e302e322e"
            + "3701000e636c69656e742e6578616d706c6501000645534d54505301002a544c5376312e3320776974682063697068657220544c535f4145535f3235"
            + "365f47434d5f53484133383400000001010003626f6201000c6578616d706c652e746573740c000000000000000080000000000000000000");

    @Test
    void anEnvelopeWrittenBeforeRequireTlsIsReadWithoutTheTag() throws IOException {
        assertThat(EnvelopeCodec.decode(BEFORE_REQUIRETLS)).isEqualTo(ENVELOPE);
        assertThat(EnvelopeCodec.decode(BEFORE_REQUIRETLS).requireTls()).isFalse();
    }

    @Test
    void anEnvelopeWithoutTheTagIsWrittenExactlyAsBefore() { // so a downgraded Facteur still reads its queue
        assertThat(EnvelopeCodec.encode(ENVELOPE)).isEqualTo(BEFORE_REQUIRETLS);
    }

    @Test
    void theTagIsVersion4TheSameFieldsThenOneByte() {
        byte[] tagged = EnvelopeCodec.encode(ENVELOPE.withRequireTls(true));
        byte[] expected = Arrays.copyOf(BEFORE_REQUIRETLS, BEFORE_REQUIRETLS.length + 1);
        expected[0] = 4;
        expected[expected.length - 1] = 1;
        assertThat(tagged).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theTagSurvivesARoundTrip(boolean requireTls) throws IOException {
        Envelope e = ENVELOPE.withRequireTls(requireTls);
        assertThat(EnvelopeCodec.decode(EnvelopeCodec.encode(e))).isEqualTo(e);
    }

    @Test
    void anExpandedAliasKeepsItsStateAndTheTag() throws IOException { // version 4 holds what version 3 added
        Recipient team = ENVELOPE.recipients().getFirst().after(Recipient.State.EXPANDED, "250 2.0.0 Expanded to 1 recipient", null);
        Envelope expanded = ENVELOPE.withRecipients(List.of(team,
                Recipient.pending(new Mailbox("m1", "example.test"), Notify.DEFAULT, "rfc822;bob@example.test")));
        assertThat(EnvelopeCodec.encode(expanded)[0]).as("version").isEqualTo((byte) 3);
        Envelope tagged = expanded.withRequireTls(true);
        assertThat(EnvelopeCodec.encode(tagged)[0]).as("version").isEqualTo((byte) 4);
        assertThat(EnvelopeCodec.decode(EnvelopeCodec.encode(tagged))).isEqualTo(tagged);
    }

    @Test
    void aVersion4EnvelopeCutBeforeItsTagIsUnreadable() {
        byte[] tagged = EnvelopeCodec.encode(ENVELOPE.withRequireTls(true));
        assertThatThrownBy(() -> EnvelopeCodec.decode(Arrays.copyOf(tagged, tagged.length - 1)))
                .isInstanceOf(IOException.class).hasMessageContaining("shorter than its fields");
    }
}

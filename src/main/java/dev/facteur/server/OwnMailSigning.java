package dev.facteur.server;

import dev.facteur.auth.dkim.SignatureWriter;
import dev.facteur.auth.dkim.Signers;
import dev.facteur.auth.dkim.SigningKey;
import dev.facteur.message.HeaderSection;
import dev.facteur.message.Mailbox;
import dev.facteur.mime.SevenBitDowngrade;
import dev.facteur.queue.OwnMailSigner;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs what Facteur writes itself (DSNs) with the keys of its {@code From:} domain, as the mail of
 * users is signed. An 8-bit message (a returned 8-bit original) is made 7-bit first, in memory:
 * a DSN returns at most 10 MB of the original.
 */
final class OwnMailSigning implements OwnMailSigner {

    private static final Logger log = LoggerFactory.getLogger("facteur.dkim");

    private final Signers signers;
    private final SignatureWriter writer;
    private final Clock clock;

    OwnMailSigning(Signers signers, SignatureWriter writer, Clock clock) {
        this.signers = signers;
        this.writer = writer;
        this.clock = clock;
    }

    @Override
    public Signed sign(Message message, boolean eightBit) throws IOException {
        byte[] sevenBit = null;
        SignatureWriter.Sink sink = writer.sink();
        if (eightBit) {
            var whole = new ByteArrayOutputStream();
            message.writeTo(whole);
            if (SevenBitDowngrade.convert(whole.toByteArray()) instanceof SevenBitDowngrade.Result.Converted c) sevenBit = c.content();
            new ByteArrayInputStream(sevenBit != null ? sevenBit : whole.toByteArray()).transferTo(sink);
        } else {
            message.writeTo(sink);
        }
        List<Mailbox> from = HeaderSection.fromAddresses(sink.headerFields());
        if (from.isEmpty() || !from.getFirst().hasDomain()) return new Signed(List.of(), sevenBit);
        List<SigningKey> keys = signers.keysFor(from.getFirst().domainKey(), null);
        if (keys.isEmpty()) return new Signed(List.of(), sevenBit);
        try {
            return new Signed(sink.signatures(keys, clock.instant()), sevenBit);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            log.warn("a report of ours is not signed: {}", e.getMessage());
            return new Signed(List.of(), sevenBit);
        }
    }
}

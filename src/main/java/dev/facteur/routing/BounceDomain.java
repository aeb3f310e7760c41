package dev.facteur.routing;

import dev.facteur.message.Mailbox;
import dev.facteur.smtp.Reply;
import java.util.Optional;

/**
 * A domain of our own whose mail is reports about the mail we sent (bounces to VERP addresses,
 * feedback loop complaints): routing takes its addresses from anyone, as a local domain's, and
 * gives them the {@link Transport.Reports} transport; which of its addresses exist is this
 * interface's to say, so that a made-up or forged one is refused at RCPT.
 */
public interface BounceDomain {

    /** The domain, in lower case. */
    String domain();

    /** Empty when mail to {@code address} (in {@link #domain()}) is taken; otherwise the refusal to give. */
    Optional<Reply> refusal(Mailbox address);
}

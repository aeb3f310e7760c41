package dev.facteur.smtp;

import dev.facteur.message.Mailbox;
import dev.facteur.message.ReversePath;
import java.net.InetAddress;
import java.util.List;

/**
 * What the SMTP server asks about addresses while the client is still connected, so that a
 * recipient nobody will take is refused in the dialogue (never accepted and bounced later:
 * that is backscatter). The routing package answers: relay rules, users, aliases, rewriting.
 */
public interface AddressPolicy {

    /** Mail for a domain that is not ours, from a client that may not relay. */
    Reply RELAY_DENIED = new Reply(554, "5.7.1", "Relay access denied");

    /** The verdict on one RCPT. */
    sealed interface Decision {
        /** Accepted: the message goes to these addresses (one, or an alias's expansion). */
        record Accept(List<Mailbox> deliverTo) implements Decision {
            public Accept {
                deliverTo = List.copyOf(deliverTo);
                if (deliverTo.isEmpty()) throw new IllegalArgumentException("nowhere to deliver");
            }
        }

        record Refuse(Reply reply) implements Decision {}
    }

    Decision recipient(InetAddress client, Mailbox rcpt);

    /** As {@link #recipient(InetAddress, Mailbox)}, for a client that logged in ({@code authenticated}): it may relay. */
    default Decision recipient(InetAddress client, Mailbox rcpt, boolean authenticated) {
        return recipient(client, rcpt);
    }

    /** The sender as it will be kept in the envelope (after any rewriting). */
    default ReversePath sender(ReversePath from) {
        return from;
    }

    /** Rewrites one header field's value (folding included, CRLF at the end); same or null: untouched; "": the field goes. */
    @FunctionalInterface
    interface HeaderRewrite {
        String rewrite(String name, String value);

        /** Whole fields (CRLF included) to add at the end of the header section, asked once all fields are seen. */
        default String added() {
            return "";
        }
    }

    /** How header fields of mail from {@code client} are rewritten on receipt, or null to leave them as they are. */
    default HeaderRewrite headerRewrite(InetAddress client) {
        return null;
    }

    /** As {@link #headerRewrite(InetAddress)}, for a client that logged in ({@code authenticated}). */
    default HeaderRewrite headerRewrite(InetAddress client, boolean authenticated) {
        return headerRewrite(client);
    }

    /** What makes two recipients of one message the same mailbox (delivered once). */
    default String recipientKey(Mailbox m) {
        return m.localPart() + "@" + m.domainKey();
    }
}

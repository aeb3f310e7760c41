package dev.facteur.policy;

import dev.facteur.bounce.UnsubscribeLinks;
import dev.facteur.message.HeaderSection;
import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.smtp.Gate;
import dev.facteur.smtp.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a one-click unsubscribe link on trusted senders' bulk mail, before it is signed (RFC 8058
 * §4: a receiver honours the link only when a valid DKIM signature covers both fields):
 * <pre>
 *   List-Unsubscribe: &lt;https://unsubscribe.example.com/u/TOKEN&gt;
 *   List-Unsubscribe-Post: List-Unsubscribe=One-Click
 * </pre>
 * The token names the recipient and the envelope sender's domain ({@link UnsubscribeLinks}), so
 * a message gets a link only when all of this holds:
 * <ul>
 * <li>it has exactly one recipient, not in a domain we serve: a link unsubscribes one address,
 *     and the same copy goes to every recipient of a transaction (an application sending a
 *     newsletter sends one message per reader, as it must for VERP anyway);
 * <li>it is bulk mail: {@code Precedence: bulk} or {@code list}, or a {@code List-Id} field
 *     (RFC 2919). A password reset or a receipt must never offer "unsubscribe": applications
 *     mark their newsletters, and only those get a link;
 * <li>it has no {@code List-Unsubscribe} or {@code List-Unsubscribe-Post} of its own: an
 *     application that runs its own unsubscribe page keeps it;
 * <li>it has an envelope sender with a domain name (not {@code <>}, not an address literal), and
 *     a mail filter did not change its recipients.
 * </ul>
 * The field is not folded: some readers of List-Unsubscribe take only its first line, and a base
 * URL of at most 200 characters keeps it well within 998 (RFC 5322 §2.1.1).
 */
public final class ListUnsubscribeFields implements Gate {

    private static final Logger log = LoggerFactory.getLogger("facteur.policy");
    private static final int MAX_HEADER = 1 << 20;
    private static final int MAX_LINE = 998;
    static final String POST_FIELD = "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"; // RFC 8058 §3.1, word for word

    private final Gate inner;
    private final UnsubscribeLinks links;
    private final URI base;
    private final Predicate<String> served;
    private final Predicate<InetAddress> relayNetworks;

    /**
     * @param base          the links' base URL: a link is {@code BASE/TOKEN}
     * @param served        whether mail to a domain (lower case) stays here: its recipients get no link
     * @param relayNetworks whether a client is in a relay network (trusted, as one that logged in)
     */
    public ListUnsubscribeFields(Gate inner, UnsubscribeLinks links, URI base, Predicate<String> served,
            Predicate<InetAddress> relayNetworks) {
        this.inner = inner;
        this.links = links;
        this.base = base;
        this.served = served;
        this.relayNetworks = relayNetworks;
    }

    @Override
    public Session open(InetAddress client) {
        return new Linking(inner.open(client), relayNetworks.test(client));
    }

    private final class Linking extends TrustedSenderSession {

        /** The transaction's recipients, case folded as the suppression list matches them; the first one as given. */
        private final Set<String> recipients = new HashSet<>();
        private Mailbox first;

        Linking(Session inner, boolean relayClient) {
            super(inner, relayClient);
        }

        @Override
        public Reply mail(QueueId id, ReversePath sender, long size) {
            forget();
            return super.mail(id, sender, size);
        }

        @Override
        public Reply rcpt(Mailbox recipient) {
            Reply reply = super.rcpt(recipient);
            if (reply == null || reply.isPositive()) {
                if (recipients.isEmpty()) first = recipient;
                recipients.add(recipient.localPart().toLowerCase(Locale.ROOT) + "@" + recipient.domainKey());
            }
            return reply;
        }

        @Override
        public void reset() {
            forget();
            super.reset();
        }

        private void forget() {
            recipients.clear();
            first = null;
        }

        @Override
        void passed(Content content, EndOfData.Pass pass) throws IOException {
            String senderDomain = sender() == null ? null
                    : sender().mailbox().filter(m -> m.hasDomain() && !m.isAddressLiteral()).map(Mailbox::domainKey).orElse(null);
            if (senderDomain == null || recipients.isEmpty()) return; // <>: a report or a reply; an address literal: no sender domain
            if (!pass.added().isEmpty() || !pass.removed().isEmpty()) {
                log.debug("{}: no List-Unsubscribe: a mail filter changed the recipients", id());
                return;
            }
            if (recipients.size() > 1) {
                log.debug("{}: no List-Unsubscribe: {} recipients, and a link names one", id(), recipients.size());
                return;
            }
            if (!first.hasDomain() || served.test(first.domainKey())) return; // our own users' mail is not a list's
            String header;
            try (InputStream in = content.open()) {
                header = HeaderSection.read(in, MAX_HEADER);
            }
            List<String> fields = HeaderSection.fields(header);
            if (fields.stream().map(HeaderSection::name).anyMatch(n -> n.equals("list-unsubscribe") || n.equals("list-unsubscribe-post"))) {
                log.debug("{}: no List-Unsubscribe of ours: the message has its own", id());
                return;
            }
            if (!bulk(fields)) return; // transactional: a password reset has nothing to unsubscribe from
            String link = "List-Unsubscribe: <" + base + "/" + links.token(first, senderDomain) + ">\r\n";
            if (link.length() - 2 > MAX_LINE) { // a base URL of 200 characters leaves room for any address: not expected
                log.warn("{}: no List-Unsubscribe: the field would be {} characters, over {}", id(), link.length() - 2, MAX_LINE);
                return;
            }
            content.rewrite((current, next) -> {
                next.write((link + POST_FIELD).getBytes(StandardCharsets.US_ASCII));
                current.transferTo(next);
            });
            log.debug("{}: List-Unsubscribe for <{}> from {}", id(), first, senderDomain);
        }
    }

    /** Whether the header marks bulk mail: {@code Precedence: bulk} or {@code list}, or a {@code List-Id}. */
    static boolean bulk(List<String> fields) {
        for (String f : fields) {
            String name = HeaderSection.name(f);
            if (name.equals("list-id")) return true;
            if (name.equals("precedence")) {
                String word = HeaderSection.value(f).strip().split("[\\s(;]", 2)[0].toLowerCase(Locale.ROOT);
                if (word.equals("bulk") || word.equals("list")) return true;
            }
        }
        return false;
    }
}

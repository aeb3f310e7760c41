package dev.facteur.policy;

import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.milter.EndOfMessage;
import dev.facteur.milter.Macros;
import dev.facteur.milter.MessageEdits;
import dev.facteur.milter.MilterAddress;
import dev.facteur.milter.MilterClient;
import dev.facteur.milter.MilterException;
import dev.facteur.milter.MilterSettings;
import dev.facteur.milter.Modification;
import dev.facteur.milter.Response;
import dev.facteur.smtp.Gate;
import dev.facteur.smtp.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mail filters of a listener (Postfix's {@code smtpd_milters}), asked after the pipeline's
 * checks at each stage, in their configured order: each filter sees only what the checks let
 * through, and, at the end of the message, the content as the filters before it changed it (as
 * in Sendmail and Postfix). One connection to each filter per SMTP session.
 *
 * <p>A filter's refusal at CONNECT holds for the connection: the greeting goes out and every
 * later command is refused (a 421 hangs up at once), as Postfix does. A refusal at HELO or MAIL is
 * given there; at RCPT it is for that recipient, unless the recipient opts out of the checks
 * ({@link OptOut}), and at the end of the message for all recipients, unless every one opts out.
 * Trusted clients meet the filters too: a filter such as OpenDKIM signs their mail.
 *
 * <p>A filter that cannot be reached, times out, hangs up or answers garbage gets its configured
 * {@link OnFailure} action, once, with a log line; the client never gets an unfiltered message
 * when the action says tempfail, and nothing it sent is lost (a refused message stays with it).
 */
public final class Milters implements Gate {

    private static final Logger log = LoggerFactory.getLogger("facteur.milter");

    /** Postfix's {@code milter_default_action}: what a failing filter's session gets. */
    public enum OnFailure {
        /** Refuse with 451 4.7.1 for the rest of the connection: the client tries later (the default). */
        TEMPFAIL,
        /** Go on without this filter for the rest of the connection. */
        ACCEPT,
        /** Refuse with 550 5.7.1 for the rest of the connection. */
        REJECT
    }

    /** One filter: where it listens, how it is talked to, and what its failure means. */
    public record Filter(MilterAddress address, MilterSettings settings, OnFailure onFailure) {}

    /** What opens a filter's connection (a seam for tests). */
    @FunctionalInterface
    interface Opener {
        MilterClient open(MilterAddress address, MilterSettings settings, Macros macros) throws MilterException;
    }

    private final Gate checks;
    private final List<Filter> filters;
    private final String hostname;
    private final OptOut optOut;
    private final Opener opener;

    /** {@code checks}: the pipeline asked first; {@code hostname}: the {@code j} macro. */
    public Milters(Gate checks, List<Filter> filters, String hostname, OptOut optOut) {
        this(checks, filters, hostname, optOut, MilterClient::open);
    }

    Milters(Gate checks, List<Filter> filters, String hostname, OptOut optOut, Opener opener) {
        this.checks = checks;
        this.filters = List.copyOf(filters);
        this.hostname = hostname;
        this.optOut = optOut;
        this.opener = opener;
    }

    @Override
    public Session open(InetAddress client) {
        return new FilteredSession(checks.open(client), client);
    }

    /** The macros of one session, as they stand when each event is sent. */
    private final class SessionMacros implements Macros {
        final InetAddress client;
        String clientName, login, mechanism;
        QueueId id;
        ReversePath sender;
        Mailbox recipient;

        SessionMacros(InetAddress client) {
            this.client = client;
        }

        @Override
        public String value(String name) {
            return switch (name) {
                case "j" -> hostname;
                case "daemon_name" -> "facteur";
                case "v" -> "Facteur";
                case "_" -> (clientName == null ? "unknown" : clientName) + " [" + client.getHostAddress() + "]";
                case "client_addr" -> client.getHostAddress();
                case "client_name" -> clientName == null ? "unknown" : clientName;
                case "i" -> id == null ? null : id.toString();
                case "mail_addr" -> sender == null ? null : sender.toString();
                case "rcpt_addr" -> recipient == null ? null : recipient.toString();
                case "auth_authen" -> login; // OpenDKIM signs for a client that logged in
                case "auth_type" -> mechanism;
                default -> null;
            };
        }
    }

    /** One filter's part in one session. */
    private static final class Part {
        final Filter filter;
        MilterClient client;
        /** Failed, or accepted the whole connection: asked nothing more. */
        boolean done;

        Part(Filter filter) {
            this.filter = filter;
        }
    }

    private final class FilteredSession extends ForwardingSession {

        private final SessionMacros macros;
        private final List<Part> parts = new ArrayList<>();
        /** A refusal for the rest of the connection (a filter's at CONNECT, or a failure's); null while none. */
        private Reply refuseAll;
        /** In this transaction: a recipient who does not opt out; a filter discarded it; why it is held. */
        private boolean checkedRecipient, discard;
        private String hold;

        FilteredSession(Gate.Session inner, InetAddress client) {
            super(inner);
            this.macros = new SessionMacros(client);
            for (Filter f : filters) parts.add(new Part(f));
        }

        private String who() {
            return macros.id != null ? macros.id.toString() : "client=[" + macros.client.getHostAddress() + "]";
        }

        @Override
        public Reply connect() {
            Reply r = inner.connect();
            if (r != null) return r;
            macros.clientName = inner.clientName();
            InetSocketAddress client = new InetSocketAddress(macros.client, 0);
            for (Part p : parts) {
                try {
                    p.client = opener.open(p.filter.address(), p.filter.settings(), macros);
                    Reply refused = connectionRefusal(p, p.client.connect(macros.clientName, client), "CONNECT");
                    if (refused != null && refused.code() == 421) return refused;
                } catch (MilterException e) {
                    failed(p, e, "CONNECT");
                }
                if (refuseAll != null) return null; // refused at the next command; later filters are not asked
            }
            return null;
        }

        @Override
        public Reply helo(String name) {
            Reply r = inner.helo(name);
            if (r != null || refuseAll != null) return r != null ? r : refuseAll;
            for (Part p : live()) {
                try {
                    Reply refused = connectionRefusal(p, p.client.helo(name), "HELO");
                    if (refused != null) return refused;
                } catch (MilterException e) {
                    failed(p, e, "HELO");
                    if (refuseAll != null) return refuseAll;
                }
            }
            return null;
        }

        @Override
        public void authenticated(String user, String mechanism) {
            inner.authenticated(user, mechanism);
            macros.login = user;
            macros.mechanism = mechanism;
        }

        @Override
        public Reply mail(QueueId id, ReversePath sender, long size) {
            Reply r = inner.mail(id, sender, size);
            if (r != null || refuseAll != null) return r != null ? r : refuseAll;
            startTransaction(id, sender);
            List<String> params = size >= 0 ? List.of("SIZE=" + size) : List.of();
            for (Part p : live()) {
                try {
                    Reply refused = messageRefusal(p, p.client.mail("<" + sender + ">", params), "MAIL");
                    if (refused != null) return refused;
                } catch (MilterException e) {
                    failed(p, e, "MAIL");
                    if (refuseAll != null) return refuseAll;
                }
            }
            return null;
        }

        @Override
        public Reply rcpt(Mailbox recipient) {
            Reply r = inner.rcpt(recipient);
            if (r != null || refuseAll != null) return r != null ? r : refuseAll;
            boolean spared = optOut.covers(recipient);
            macros.recipient = recipient;
            try {
                for (Part p : live()) {
                    try {
                        Reply refused = messageRefusal(p, p.client.rcpt("<" + recipient + ">", List.of()), "RCPT");
                        if (refused == null) continue;
                        if (!spared || refused.code() == 421) return refused;
                        log.info("{}: {} at RCPT: refusal not given: <{}> opts out of the checks", who(), p.client, recipient);
                    } catch (MilterException e) {
                        failed(p, e, "RCPT");
                        if (refuseAll != null) return refuseAll;
                    }
                }
            } finally {
                macros.recipient = null;
            }
            if (!spared) checkedRecipient = true;
            return null;
        }

        @Override
        public Reply data() {
            Reply r = inner.data();
            if (r != null || refuseAll != null) return r != null ? r : refuseAll;
            for (Part p : live()) {
                try {
                    Reply refused = messageRefusal(p, p.client.data(), "DATA");
                    if (refused != null) return refused;
                } catch (MilterException e) {
                    failed(p, e, "DATA");
                    if (refuseAll != null) return refuseAll;
                }
            }
            return null;
        }

        @Override
        public boolean readsContent() {
            return inner.readsContent() || !live().isEmpty() || discard || refuseAll != null;
        }

        @Override
        public EndOfData endOfData(Content content) throws IOException {
            EndOfData first = inner.readsContent() ? inner.endOfData(content) : EndOfData.PASS;
            if (!(first instanceof EndOfData.Pass pass)) return first;
            if (refuseAll != null) return new EndOfData.Refuse(refuseAll);
            String sender = pass.sender();
            List<EndOfData.AddedRecipient> added = new ArrayList<>(pass.added());
            List<String> removed = new ArrayList<>(pass.removed());
            for (Part p : live()) {
                EndOfMessage eom;
                try {
                    Response r;
                    try (InputStream in = content.open()) {
                        r = p.client.content(in);
                    }
                    // a refusal in the content ends the filter's part in the message (reset() aborts it), with no end of message
                    Reply refused = messageRefusal(p, r, "END-OF-MESSAGE");
                    eom = refused == null ? p.client.endOfMessage() : null;
                    if (refused == null) refused = messageRefusal(p, eom.response(), "END-OF-MESSAGE");
                    if (refused != null) {
                        if (checkedRecipient || refused.code() == 421) return new EndOfData.Refuse(refused);
                        log.info("{}: {} at END-OF-MESSAGE: refusal not given: every recipient opts out of the checks", who(), p.client);
                        continue;
                    }
                } catch (MilterException e) {
                    failed(p, e, "END-OF-MESSAGE");
                    if (refuseAll != null) return new EndOfData.Refuse(refuseAll);
                    continue;
                }
                if (discard) break; // the message goes nowhere: no need to show it to the filters after
                List<Modification> changes = eom.modifications();
                if (MessageEdits.touchContent(changes)) content.rewrite((current, next) -> MessageEdits.apply(changes, current, next));
                for (Modification m : changes) {
                    switch (m) {
                        case Modification.ChangeSender s -> sender = s.sender();
                        case Modification.AddRecipient a -> added.add(new EndOfData.AddedRecipient(a.recipient(), a.parameters()));
                        case Modification.DeleteRecipient d -> removed.add(d.recipient());
                        case Modification.Quarantine q -> {
                            if (hold == null) hold = "quarantined by " + p.client + ": " + q.reason();
                        }
                        default -> {} // the content's, applied above
                    }
                }
                if (!changes.isEmpty()) log.info("{}: {} changed the message: {}", who(), p.client, summary(changes));
            }
            if (discard) return new EndOfData.Discard("a filter discards it");
            return new EndOfData.Pass(sender, added, removed);
        }

        @Override
        public String hold() {
            String h = inner.hold();
            return h != null ? h : hold;
        }

        @Override
        public void reset() {
            inner.reset();
            for (Part p : live()) {
                try {
                    p.client.abort();
                } catch (MilterException e) {
                    failed(p, e, "ABORT");
                }
            }
            macros.id = null;
            macros.sender = null;
            checkedRecipient = false;
            discard = false;
            hold = null;
        }

        @Override
        public void close() {
            inner.close();
            for (Part p : parts) if (p.client != null) p.client.close();
        }

        private void startTransaction(QueueId id, ReversePath sender) {
            macros.id = id;
            macros.sender = sender;
            checkedRecipient = false;
            discard = false;
            hold = null;
        }

        private List<Part> live() {
            return parts.stream().filter(p -> !p.done && p.client != null).toList();
        }

        /** A filter's answer at CONNECT or HELO: a refusal holds for the whole connection. */
        private Reply connectionRefusal(Part p, Response r, String stage) {
            Reply refused = refusal(r);
            if (r instanceof Response.Accept) p.done = true; // it has seen enough of this connection
            if (refused == null) return null;
            log.info("{}: {} at {}: {}", who(), p.client, stage, refused);
            if (stage.equals("CONNECT")) refuseAll = refused;
            p.done = true;
            return refused;
        }

        /** A filter's answer about the message: a refusal, or null; a discard is remembered for the end. */
        private Reply messageRefusal(Part p, Response r, String stage) {
            if (r instanceof Response.Discard) {
                if (!discard) log.info("{}: {} at {}: discard", who(), p.client, stage);
                discard = true;
            }
            Reply refused = refusal(r);
            if (refused != null) log.info("{}: {} at {}: {}", who(), p.client, stage, refused);
            return refused;
        }

        private static Reply refusal(Response r) {
            return switch (r) {
                case Response.Reject x -> Response.Reject.REPLY;
                case Response.Tempfail x -> Response.Tempfail.REPLY;
                case Response.ReplyCode x -> x.reply();
                case Response.Continue x -> null;
                case Response.Accept x -> null;
                case Response.Discard x -> null;
                case Response.Skip x -> null;
            };
        }

        /** The filter failed: its configured action, logged once; it is asked nothing more in this session. */
        private void failed(Part p, MilterException e, String stage) {
            p.done = true;
            OnFailure action = p.filter.onFailure();
            log.warn("{}: milter {} failed at {}: {}; default action: {}", who(), p.filter.address(), stage, e.getMessage(),
                    action.name().toLowerCase(java.util.Locale.ROOT));
            switch (action) {
                case TEMPFAIL -> refuseAll = Response.Tempfail.REPLY;
                case REJECT -> refuseAll = Response.Reject.REPLY;
                case ACCEPT -> {}
            }
        }

        private static String summary(List<Modification> changes) {
            List<String> out = new ArrayList<>();
            for (Modification m : changes) {
                out.add(switch (m) {
                    case Modification.AddHeader h -> "add header " + h.name();
                    case Modification.InsertHeader h -> "insert header " + h.name();
                    case Modification.ChangeHeader h -> "change header " + h.name();
                    case Modification.DeleteHeader h -> "delete header " + h.name();
                    case Modification.ReplaceBody b -> "replace body";
                    case Modification.ChangeSender s -> "sender " + s.sender();
                    case Modification.AddRecipient a -> "add recipient " + a.recipient();
                    case Modification.DeleteRecipient d -> "delete recipient " + d.recipient();
                    case Modification.Quarantine q -> "quarantine (" + q.reason() + ")";
                });
            }
            return String.join(", ", out.stream().distinct().toList());
        }
    }
}

package dev.facteur.smtp;

import dev.facteur.message.AddressSyntax;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.message.Schedule;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RFC 5321 state machine of one connection, one method per command, each returning the
 * reply. It reads content through {@link SmtpInput} but never touches the socket, so the whole
 * dialogue is testable with byte arrays.
 */
final class SmtpSession {

    private static final Logger log = LoggerFactory.getLogger("facteur.smtpd");
    private static final DateTimeFormatter RFC5322_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.ROOT);

    private final SmtpSettings settings;
    private final MessageSink sink;
    private final QueueId.Generator ids;
    private final Clock clock;
    private final InetAddress clientAddress;
    private final Gate.Session gate;

    private String helo;
    private boolean esmtp;
    private boolean startedMail;
    private boolean violated;
    private String tls = "";
    private Transaction tx;
    /** The login (AUTH) and its mechanism; null until the client logs in. */
    private String login, loginMechanism;

    /** The sender and recipients gathered since MAIL, and the BDAT draft once chunks arrive. */
    private static final class Transaction {
        final QueueId id;
        ReversePath sender;
        final EsmtpParameters.MailParams params;
        final List<Recipient> recipients = new ArrayList<>();
        final List<Mailbox> asked = new ArrayList<>(); // RCPT addresses accepted, as the client gave them
        final Set<String> keys = new HashSet<>();      // recipientKey of each recipient, against duplicates
        final Map<Mailbox, List<Recipient>> fromAsked = new HashMap<>(); // what each RCPT added, for a filter's removal
        long traceLength; // bytes of our Received: field at the top of the content
        GuardedDraft bdatDraft;
        long bdatSize;
        SmtpInput.LineEndCheck bdatCheck;
        HopCounter bdatHops;
        HeaderRewriter bdatRewriter;

        Transaction(QueueId id, ReversePath sender, EsmtpParameters.MailParams params) {
            this.id = id;
            this.sender = sender;
            this.params = params;
        }
    }

    SmtpSession(SmtpSettings settings, MessageSink sink, QueueId.Generator ids, Clock clock, InetAddress clientAddress) {
        this(settings, sink, ids, clock, clientAddress, Gate.OPEN.open(clientAddress));
    }

    SmtpSession(SmtpSettings settings, MessageSink sink, QueueId.Generator ids, Clock clock, InetAddress clientAddress,
            Gate.Session gate) {
        this.settings = settings;
        this.sink = sink;
        this.ids = ids;
        this.clock = clock;
        this.clientAddress = clientAddress;
        this.gate = gate;
    }

    /** The 220, or the gate's refusal, after which the connection closes. */
    Reply greeting() {
        Reply refused = gate.connect();
        if (refused != null) {
            log.info("NOQUEUE: reject CONNECT from [{}]: {}", clientAddress.getHostAddress(), refused);
            return refused;
        }
        return new Reply(220, "", settings.hostname() + " ESMTP Facteur");
    }

    boolean tlsActive() {
        return !tls.isEmpty();
    }

    /** Called once the TLS handshake is done: RFC 3207 §4.2 says forget everything learnt before. */
    void tlsStarted(String description) {
        tls = description;
        helo = null;
        esmtp = false;
        login = null;
        abandon();
    }

    /** True while a BDAT transfer is under way or a transaction is open (for graceful shutdown). */
    boolean inTransaction() {
        return tx != null;
    }

    /** How long to wait before the greeting for a client that talks first; zero: no wait. */
    Duration greetPause() {
        return gate.greetPause();
    }

    /** Whether the client may pipeline: it said EHLO, and we offer PIPELINING to every EHLO. */
    boolean pipeliningOffered() {
        return esmtp;
    }

    /** The client broke the order of the dialogue: the gate hears of it once per connection. */
    void protocolViolation(String what) {
        if (violated) return;
        violated = true;
        log.info("protocol violation from {}[{}]: {}", helo == null ? "" : helo, clientAddress.getHostAddress(), what);
        gate.protocolViolation(what);
    }

    /** True once a MAIL has been accepted: the client has started real work, not just connected. */
    boolean hasStartedMail() {
        return startedMail;
    }

    Reply ehlo(String domain) {
        if (!isPrintable(domain)) return Replies.EHLO_SYNTAX;
        abandon();
        helo = neuter(domain);
        esmtp = true;
        Reply refused = gate.helo(helo);
        if (refused != null) return refusedHelo(refused);
        List<String> lines = new ArrayList<>();
        lines.add(settings.hostname() + " greets " + helo);
        lines.add("PIPELINING");
        lines.add("SIZE " + settings.maxMessageSize());
        lines.add("8BITMIME");
        lines.add("SMTPUTF8");
        lines.add("CHUNKING");
        lines.add("DSN");
        lines.add("ENHANCEDSTATUSCODES");
        if (settings.tls() != null && !tlsActive()) lines.add("STARTTLS");
        // RFC 8689 §2: offered in "the subsequent EHLO response" after STARTTLS, never in clear
        if (tlsActive()) lines.add("REQUIRETLS");
        SmtpSettings.Access access = settings.access();
        // RFC 4954 §4, RFC 8314 §3.1: no password mechanism before TLS where TLS is required
        if (access.auth() != null && login == null && (tlsActive() || !access.requireTls())) {
            List<String> mechanisms = access.auth().mechanisms(tlsActive());
            if (!mechanisms.isEmpty()) lines.add("AUTH " + String.join(" ", mechanisms));
        }
        return new Reply(250, "", lines);
    }

    Reply helo(String domain) {
        if (!isPrintable(domain)) return Replies.HELO_SYNTAX;
        abandon();
        helo = neuter(domain);
        esmtp = false;
        Reply refused = gate.helo(helo);
        if (refused != null) return refusedHelo(refused);
        return new Reply(250, "", settings.hostname());
    }

    private Reply refusedHelo(Reply refused) {
        log.info("NOQUEUE: reject HELO from {}[{}]: {}", helo, clientAddress.getHostAddress(), refused);
        return refused;
    }

    private static boolean isPrintable(String s) {
        return s.codePoints().allMatch(c -> c > 32 && c != 127 && !Character.isISOControl(c));
    }

    /**
     * The EHLO/HELO name as it may go into the {@code Received:} header, logs and replies: each
     * character that could end or re-open a clause there ({@code <>()\";@}, as Postfix neuters) or
     * is not US-ASCII (the header of a message without SMTPUTF8 is ASCII) becomes {@code ?}.
     * Brackets and colons stay, for address literals.
     */
    static String neuter(String helo) {
        StringBuilder sb = new StringBuilder(helo.length());
        helo.codePoints().forEach(c -> sb.append(c > 32 && c < 127 && "<>()\\\";@".indexOf(c) < 0 ? (char) c : '?'));
        return sb.toString();
    }

    Reply mail(Command.Mail cmd) {
        if (helo == null) return Replies.NEED_HELO;
        if (tx != null) return Replies.NESTED_MAIL;
        if (settings.access().requireTls() && !tlsActive()) return Replies.TLS_REQUIRED;
        if (settings.access().requireAuth() && login == null) return Replies.AUTH_REQUIRED;
        EsmtpParameters.MailParams params;
        try {
            if (!esmtp && !cmd.params().isEmpty()) return Replies.MAIL_SYNTAX; // HELO clients get no extensions
            params = EsmtpParameters.mail(cmd.params(), settings.maxMessageSize());
        } catch (EsmtpParameters.Refused r) {
            return r.reply;
        }
        if (params.requireTls() && !tlsActive()) return Replies.REQUIRETLS_NEEDS_TLS;
        ReversePath sender;
        try {
            sender = AddressSyntax.parseReversePath(cmd.path(), params.smtpUtf8());
        } catch (AddressSyntax.Invalid e) {
            return e.needsUtf8() ? Replies.NOT_UTF8_ADDRESS : new Reply(501, "5.1.7", "Bad sender address syntax: " + e.getMessage());
        }
        if (!sink.hasRoomFor(Math.max(0, params.size()))) { // RFC 1870 §6.1: before any content is sent
            log.info("NOQUEUE: reject MAIL from {}[{}]: {}; from=<{}> size={}", helo, clientAddress.getHostAddress(),
                    Replies.INSUFFICIENT_STORAGE, sender, params.size() < 0 ? "undeclared" : params.size());
            return Replies.INSUFFICIENT_STORAGE;
        }
        QueueId id = ids.next(clock.millis());
        ReversePath kept = settings.addresses().sender(sender);
        Reply refused = gate.mail(id, kept, params.size());
        if (refused != null) {
            log.info("{}: reject MAIL from {}[{}]: {}; from=<{}>", id, helo, clientAddress.getHostAddress(), refused, kept);
            return refused;
        }
        tx = new Transaction(id, kept, params);
        startedMail = true;
        return Replies.SENDER_OK;
    }

    Reply rcpt(Command.Rcpt cmd) {
        if (tx == null) return Replies.NEED_MAIL;
        if (tx.bdatDraft != null) return Replies.NESTED_MAIL;
        EsmtpParameters.RcptParams params;
        try {
            if (!esmtp && !cmd.params().isEmpty()) return Replies.RCPT_SYNTAX;
            params = EsmtpParameters.rcpt(cmd.params(), tx.params.smtpUtf8());
        } catch (EsmtpParameters.Refused r) {
            return r.reply;
        }
        Mailbox rcpt;
        try {
            rcpt = AddressSyntax.parsePath(cmd.path(), tx.params.smtpUtf8());
        } catch (AddressSyntax.Invalid e) {
            return e.needsUtf8() ? Replies.NOT_UTF8_ADDRESS : new Reply(501, "5.1.3", "Bad recipient address syntax: " + e.getMessage());
        }
        if (tx.asked.size() >= settings.maxRecipients()) return Replies.TOO_MANY_RECIPIENTS;
        switch (settings.addresses().recipient(clientAddress, rcpt, login != null)) {
            case AddressPolicy.Decision.Refuse(Reply refusal) -> {
                log.info("{}: reject RCPT from {}[{}]: {}; from=<{}> to=<{}>", tx.id, helo, clientAddress.getHostAddress(),
                        refusal, tx.sender, rcpt);
                return refusal;
            }
            case AddressPolicy.Decision.Accept(List<Mailbox> deliverTo) -> {
                Reply refused = gate.rcpt(rcpt);
                if (refused != null) {
                    log.info("{}: reject RCPT from {}[{}]: {}; from=<{}> to=<{}>", tx.id, helo, clientAddress.getHostAddress(),
                            refused, tx.sender, rcpt);
                    return refused;
                }
                List<Mailbox> fresh = new ArrayList<>(deliverTo.size());
                Set<String> keys = new HashSet<>();
                for (Mailbox to : deliverTo) {
                    String key = settings.addresses().recipientKey(to);
                    if (!tx.keys.contains(key) && keys.add(key)) fresh.add(to);
                }
                // RFC 3461 §5.2.7.3: an alias of several members itself reports "expanded" (once per alias);
                // its members then do not report success
                Notify notify = params.dsnNotify();
                boolean expands = deliverTo.size() > 1 && notify.wants(Notify.Condition.SUCCESS);
                String aliasKey = "expanded:" + settings.addresses().recipientKey(rcpt);
                boolean reportExpansion = expands && !tx.keys.contains(aliasKey);
                // Aliases make envelopes grow: they stop at MAX_ENVELOPE (or max_recipients if higher); 452 says "later".
                if (tx.recipients.size() + fresh.size() + (reportExpansion ? 1 : 0) > Math.max(settings.maxRecipients(), MAX_ENVELOPE))
                    return Replies.TOO_MANY_RECIPIENTS;
                tx.asked.add(rcpt);
                tx.keys.addAll(keys);
                // An alias's addresses remember what the client asked for, for DSNs (RFC 3461 §4.2).
                String orcpt = params.orcpt() != null || (deliverTo.size() == 1 && deliverTo.getFirst().equals(rcpt))
                        ? params.orcpt() : EsmtpParameters.orcptOf(rcpt);
                List<Recipient> added = tx.fromAsked.computeIfAbsent(rcpt, k -> new ArrayList<>());
                if (reportExpansion) {
                    tx.keys.add(aliasKey);
                    added.add(new Recipient(rcpt, notify, params.orcpt(), Recipient.State.EXPANDED,
                            "250 2.0.0 Expanded to " + deliverTo.size() + " recipients", null));
                }
                if (expands) notify = notify.withoutSuccess();
                for (Mailbox to : fresh) added.add(Recipient.pending(to, notify, orcpt));
                tx.recipients.addAll(added.subList(added.size() - fresh.size() - (reportExpansion ? 1 : 0), added.size()));
            }
        }
        return Replies.RECIPIENT_OK;
    }

    /** Recipients one message may hold once aliases are expanded, unless max_recipients is higher. */
    static final int MAX_ENVELOPE = 1000;

    /** DATA: 354 when the transaction is ready; the caller then runs {@link #receiveData}. */
    Reply data() {
        if (tx == null) return helo == null ? Replies.NEED_HELO : Replies.NEED_MAIL;
        if (tx.bdatDraft != null) return Replies.DATA_AFTER_BDAT;
        if (tx.recipients.isEmpty()) return Replies.NO_VALID_RECIPIENTS;
        Reply refused = gate.data();
        if (refused != null) {
            refusedData(tx, refused);
            abandon();
            return refused;
        }
        return Replies.START_DATA;
    }

    private void refusedData(Transaction t, Reply refused) {
        log.info("{}: reject DATA from {}[{}]: {}; from=<{}>", t.id, helo, clientAddress.getHostAddress(), refused, t.sender);
    }

    /**
     * Reads the content after 354 and stores the message; the transaction ends either way. The
     * content is read to its end even when storing it fails, so that the reply answers DATA.
     */
    Reply receiveData(SmtpInput in) throws IOException {
        Transaction t = tx;
        tx = null;
        try (GuardedDraft draft = GuardedDraft.open(sink, t.id)) {
            writeReceived(draft.content(), t);
            HeaderRewriter rewriter = rewriter(draft.content(), t);
            var hops = new HopCounter(rewriter == null ? draft.content() : rewriter);
            SmtpInput.ContentCheck check = in.readData(hops, settings.maxMessageSize());
            if (rewriter != null) rewriter.finish();
            return finish(t, draft, check, hops.hops());
        }
    }

    /**
     * One BDAT chunk (RFC 3030): the chunk is always read, even when it is refused. A failure to
     * store is answered after the LAST chunk, as DATA's is after its end.
     */
    Reply bdat(Command.Bdat cmd, SmtpInput in) throws IOException {
        Reply refusal = null;
        if (!esmtp) refusal = Replies.BDAT_NEEDS_EHLO;
        else if (tx == null) refusal = Replies.NEED_MAIL;
        else if (tx.recipients.isEmpty()) refusal = Replies.NO_VALID_RECIPIENTS;
        if (refusal == null && tx.bdatDraft == null && (refusal = gate.data()) != null) {
            refusedData(tx, refusal);
            abandon();
        }
        if (refusal != null) {
            in.readChunk(cmd.size(), OutputStream.nullOutputStream(), 0, Long.MAX_VALUE, new SmtpInput.LineEndCheck());
            return refusal;
        }
        Transaction t = tx;
        try {
            if (t.bdatDraft == null) {
                t.bdatDraft = GuardedDraft.open(sink, t.id);
                t.bdatCheck = new SmtpInput.LineEndCheck();
                writeReceived(t.bdatDraft.content(), t);
                t.bdatRewriter = rewriter(t.bdatDraft.content(), t);
                t.bdatHops = new HopCounter(t.bdatRewriter == null ? t.bdatDraft.content() : t.bdatRewriter);
            }
            SmtpInput.ContentCheck check = in.readChunk(cmd.size(), t.bdatHops, t.bdatSize,
                    settings.maxMessageSize(), t.bdatCheck);
            t.bdatSize = check.size();
            if (check.tooBig()) {
                abandon();
                return Replies.TOO_BIG;
            }
            if (!cmd.last()) return new Reply(250, "2.0.0", cmd.size() + " octets received");
            tx = null;
            if (t.bdatRewriter != null) t.bdatRewriter.finish();
            boolean bare = check.bareLineEnd() || !t.bdatCheck.endsCleanly();
            return finish(t, t.bdatDraft, new SmtpInput.ContentCheck(check.size(), false, bare, check.nul()), t.bdatHops.hops());
        } catch (IOException | RuntimeException e) {
            abandon();
            throw e;
        } finally {
            if (tx == null && t.bdatDraft != null) t.bdatDraft.close();
        }
    }

    private Reply finish(Transaction t, GuardedDraft draft, SmtpInput.ContentCheck check, int hops) {
        Reply r = store(t, draft, check, hops);
        if (r.code() / 100 != 2) gate.reset(); // the transaction is over: refused or failed
        return r;
    }

    private Reply store(Transaction t, GuardedDraft draft, SmtpInput.ContentCheck check, int hops) {
        if (!check.clean() || hops > HopCounter.MAX_HOPS) {
            Reply r = check.tooBig() ? Replies.TOO_BIG : check.nul() ? Replies.NUL_IN_DATA
                    : !check.clean() ? Replies.BARE_LINE_END : Replies.TOO_MANY_HOPS;
            log.info("{}: reject DATA from {}[{}]: {}", t.id, helo, clientAddress.getHostAddress(), r);
            return r;
        }
        if (draft.failure() == null && gate.readsContent()) {
            try (DraftContent content = new DraftContent(sink, t.id, draft.draft(), t.traceLength)) {
                Reply r = endOfData(t, content, check.size());
                if (r != null) return r;
                if (content.rewritten()) return stored(t, env -> content.draft().commit(env, origin()), check.size());
            }
        }
        return stored(t, env -> {
            IOException failure = draft.commit(env, origin());
            if (failure != null) throw failure;
        }, check.size());
    }

    /** Who hands the message over, for the delivery history. */
    private MessageSink.Origin origin() {
        return new MessageSink.Origin(gate.clientName(), login);
    }

    /** Stores the message with its envelope: durable when it returns. */
    private interface Commit {
        void store(Envelope envelope) throws IOException;
    }

    /**
     * Asks the gate at the end of the content: null to store the message (its envelope perhaps
     * changed), else the reply instead (a refusal, or the 250 of a message discarded).
     */
    private Reply endOfData(Transaction t, DraftContent content, long size) {
        Gate.EndOfData decision;
        try {
            decision = gate.endOfData(content);
        } catch (IOException e) {
            Reply r = e instanceof MessageSink.InsufficientStorage ? Replies.INSUFFICIENT_STORAGE : Replies.STORAGE_FAILED;
            log.error("{}: reject DATA from {}[{}]: {}: cannot store the message as a filter changed it: {}", t.id, helo,
                    clientAddress.getHostAddress(), r, e.toString());
            return r;
        }
        switch (decision) {
            case Gate.EndOfData.Refuse(Reply refused) -> {
                log.info("{}: reject END-OF-DATA from {}[{}]: {}; from=<{}>", t.id, helo, clientAddress.getHostAddress(), refused, t.sender);
                return refused;
            }
            case Gate.EndOfData.Discard(String why) -> {
                log.info("{}: discard END-OF-DATA from {}[{}]: {}; from=<{}>, size={}, nrcpt={}", t.id, helo,
                        clientAddress.getHostAddress(), why, t.sender, size, t.recipients.size());
                gate.reset();
                return new Reply(250, "2.0.0", "Ok: queued as " + t.id);
            }
            case Gate.EndOfData.Pass pass -> {
                if (!pass.changesEnvelope()) return null;
                return changeEnvelope(t, pass);
            }
        }
    }

    /**
     * Applies a gate's changes to the envelope: a new sender, recipients removed (each RCPT's
     * addresses, aliases' members included) and added (as given, with their DSN parameters:
     * routing sees them at delivery). Null, or the refusal when no recipient is left.
     */
    private Reply changeEnvelope(Transaction t, Gate.EndOfData.Pass pass) {
        if (pass.sender() != null) {
            try {
                t.sender = AddressSyntax.parseReversePath(bracketed(pass.sender()), true);
            } catch (AddressSyntax.Invalid e) {
                log.warn("{}: a filter's new sender {} is no address ({}): the sender stays <{}>", t.id, pass.sender(), e.getMessage(), t.sender);
            }
        }
        for (String path : pass.removed()) {
            try {
                List<Recipient> gone = t.fromAsked.remove(AddressSyntax.parsePath(bracketed(path), true));
                if (gone != null) t.recipients.removeAll(gone);
            } catch (AddressSyntax.Invalid e) {
                log.warn("{}: a filter removes {}, which is no address ({})", t.id, path, e.getMessage());
            }
        }
        for (Gate.EndOfData.AddedRecipient a : pass.added()) {
            // parsed as a RCPT command would be: the same rules for the path and its parameters
            String why;
            if (CommandParser.parse("RCPT TO:" + bracketed(a.path()) + (a.parameters().isBlank() ? "" : " " + a.parameters().strip()))
                    instanceof Command.Rcpt(String path, Map<String, String> params)) {
                try {
                    Mailbox to = AddressSyntax.parsePath(path, true);
                    var dsn = EsmtpParameters.rcpt(params, true);
                    if (t.keys.add(settings.addresses().recipientKey(to))) {
                        Recipient r = Recipient.pending(to, dsn.dsnNotify(), dsn.orcpt());
                        t.recipients.add(r);
                        t.fromAsked.computeIfAbsent(to, k -> new ArrayList<>()).add(r);
                    }
                    continue;
                } catch (AddressSyntax.Invalid e) {
                    why = e.getMessage();
                } catch (EsmtpParameters.Refused e) {
                    why = e.reply.toString();
                }
            } else {
                why = "not a RCPT path and parameters";
            }
            log.warn("{}: a filter adds {} {}, which is not a recipient ({})", t.id, a.path(), a.parameters(), why);
        }
        log.info("{}: envelope changed by a filter: from=<{}>, nrcpt={}", t.id, t.sender, t.recipients.size());
        if (t.recipients.isEmpty()) {
            log.info("{}: discard END-OF-DATA from {}[{}]: a filter removed every recipient", t.id, helo, clientAddress.getHostAddress());
            gate.reset();
            return new Reply(250, "2.0.0", "Ok: queued as " + t.id);
        }
        return null;
    }

    /** A filter may give an address with or without its angle brackets (libmilter passes on what it is given). */
    private static String bracketed(String path) {
        String p = path.strip();
        return p.startsWith("<") && p.endsWith(">") ? p : "<" + p + ">";
    }

    /** Commits the message and answers: 250 once it is durable, else the failure to store. */
    private Reply stored(Transaction t, Commit commit, long size) {
        Envelope env = new Envelope(t.id, Instant.now(clock), t.sender, t.recipients, t.params.size(), t.params.body(),
                t.params.smtpUtf8(), t.params.ret(), t.params.envid(),
                new ClientInfo(clientAddress.getHostAddress(), helo, protocol(t), tls), Schedule.NEW, t.params.requireTls());
        String hold = gate.hold();
        if (hold != null) env = env.withSchedule(env.schedule().withHeld(true));
        IOException failure = null;
        try {
            commit.store(env);
        } catch (IOException e) {
            failure = e;
        }
        if (failure != null) {
            Reply r = failure instanceof MessageSink.InsufficientStorage ? Replies.INSUFFICIENT_STORAGE : Replies.STORAGE_FAILED;
            log.error("{}: reject DATA from {}[{}]: {}: cannot store message: {}", t.id, helo, clientAddress.getHostAddress(),
                    r, failure.toString());
            return r;
        }
        log.info("{}: client={}[{}], from=<{}>, size={}, nrcpt={}, proto={}{}{}", t.id, helo,
                clientAddress.getHostAddress(), t.sender, size, t.recipients.size(), protocol(t),
                (tls.isEmpty() ? "" : ", tls=" + tls) + (login == null ? "" : ", sasl_method=" + loginMechanism + ", sasl_username=" + login),
                hold == null ? "" : ", held: " + hold);
        gate.reset();
        return new Reply(250, "2.0.0", "Ok: queued as " + t.id);
    }

    private HeaderRewriter rewriter(OutputStream out, Transaction t) {
        AddressPolicy.HeaderRewrite rewrite = settings.addresses().headerRewrite(clientAddress, login != null);
        if (login != null && settings.access().auth() != null) { // a submission port: RFC 6409's fixes first
            int at = login.lastIndexOf('@');
            rewrite = new SubmissionHeaders(rewrite, at > 0 ? login.substring(at + 1) : settings.hostname(),
                    RFC5322_DATE.format(clock.instant().atZone(ZoneId.systemDefault())), "<" + t.id + "@" + settings.hostname() + ">");
        }
        return rewrite == null ? null : new HeaderRewriter(out, rewrite);
    }

    /** RFC 3848 / RFC 6531 §3.7.3 protocol names for the Received header's WITH clause. */
    private String protocol(Transaction t) {
        if (!esmtp) return "SMTP";
        String base = t.params.smtpUtf8() ? "UTF8SMTP" : "ESMTP";
        return base + (tlsActive() ? "S" : "") + (login != null ? "A" : "");
    }

    /** RFC 5321 §4.4 trace header, prepended to the content. */
    private void writeReceived(OutputStream out, Transaction t) throws IOException {
        StringBuilder sb = new StringBuilder(256);
        String name = gate.clientName();
        sb.append("Received: from ").append(helo).append(" (").append(name == null ? "" : name + " ")
                .append('[').append(clientAddress.getHostAddress()).append("])\r\n");
        if (tlsActive()) sb.append("\t(using ").append(tls).append(")\r\n");
        if (login != null && settings.access().loginInReceived())
            sb.append("\t(Authenticated sender: ").append(neuter(login)).append(")\r\n");
        sb.append("\tby ").append(settings.hostname()).append(" (Facteur) with ").append(protocol(t))
                .append(" id ").append(t.id).append("\r\n");
        // the address the client asked for, not an alias's members (RFC 5321 §4.4 FOR clause)
        if (t.asked.size() == 1) sb.append("\tfor <").append(t.asked.getFirst()).append(">");
        else sb.append("\t");
        sb.append("; ").append(RFC5322_DATE.format(clock.instant().atZone(ZoneId.systemDefault()))).append("\r\n");
        t.traceLength = sb.toString().getBytes(StandardCharsets.UTF_8).length;
        for (String field : gate.headers()) sb.append(field);
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** How an AUTH exchange talks to the client: sends a challenge ({@code 334}) and returns its next line. */
    @FunctionalInterface
    interface Challenges {
        String ask(byte[] challenge) throws IOException;
    }

    /**
     * A connection on the local submission socket: the kernel said which local user it is, so
     * they are logged in as that user from the start (Postfix's sendmail/postdrop path).
     */
    void localUser(String user) {
        login = user;
        loginMechanism = "local";
        gate.authenticated(user, loginMechanism);
    }

    /** RFC 4954: the AUTH command and its exchange, one challenge after the other through {@code client}. */
    Reply auth(Command.Auth cmd, Challenges client) throws IOException {
        SmtpSettings.Access access = settings.access();
        if (access.auth() == null) return Replies.AUTH_NOT_ENABLED;
        if (helo == null || !esmtp) return new Reply(503, "5.5.1", "Send EHLO first");
        if (login != null) return new Reply(503, "5.5.1", "Already authenticated");
        if (tx != null) return new Reply(503, "5.5.1", "AUTH not allowed in a mail transaction");
        if (access.requireTls() && !tlsActive()) return Replies.ENCRYPTION_REQUIRED;
        Authenticator.Exchange exchange = access.auth().start(cmd.mechanism(), clientAddress, tlsActive());
        if (exchange == null) return new Reply(504, "5.5.4", "Unrecognized authentication type");
        byte[] response = null;
        if (cmd.initialResponse() != null) {
            if (cmd.initialResponse().equals("*")) return Replies.AUTH_CANCELLED;
            response = cmd.initialResponse().equals("=") ? new byte[0] : base64(cmd.initialResponse());
            if (response == null) return Replies.AUTH_NOT_BASE64;
        }
        while (true) {
            switch (exchange.step(response)) {
                case Authenticator.Step.Challenge(byte[] challenge) -> {
                    String line = client.ask(challenge);
                    if (line.equals("*")) return Replies.AUTH_CANCELLED; // RFC 4954 §4
                    response = base64(line);
                    if (response == null) return Replies.AUTH_NOT_BASE64;
                }
                case Authenticator.Step.Success(String user) -> {
                    login = user;
                    loginMechanism = cmd.mechanism();
                    log.info("{}[{}]: logged in: sasl_method={}, sasl_username={}", helo, clientAddress.getHostAddress(), loginMechanism, user);
                    gate.authenticated(user, loginMechanism);
                    return new Reply(235, "2.7.0", "Authentication successful");
                }
                case Authenticator.Step.Failure(Reply reply, String why) -> {
                    // Postfix's words, which fail2ban's postfix filter (mode auth) matches
                    log.warn("warning: {}[{}]: SASL {} authentication failed: {}", gate.clientName() == null ? "unknown" : gate.clientName(),
                            clientAddress.getHostAddress(), cmd.mechanism(), why);
                    return reply;
                }
            }
        }
    }

    /** The bytes of a base64 line, or null when it is not base64 (RFC 4648, padding required as RFC 4954 §4 says). */
    private static byte[] base64(String line) {
        if (line.length() % 4 != 0) return null;
        try {
            return java.util.Base64.getDecoder().decode(line);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    Reply rset() {
        abandon();
        return Replies.RESET;
    }


    /** Drops the transaction and any partial BDAT content. */
    private void abandon() {
        if (tx != null) {
            if (tx.bdatDraft != null) tx.bdatDraft.close();
            gate.reset();
        }
        tx = null;
    }

    Reply noop() {
        return Replies.OK;
    }

    Reply vrfy() {
        return Replies.VRFY;
    }

    Reply help() {
        return Replies.HELP;
    }

    Reply quit() {
        abandon();
        return new Reply(221, "2.0.0", settings.hostname() + " closing connection");
    }

    Reply startTls() {
        if (tlsActive()) return Replies.ALREADY_TLS;
        if (settings.tls() == null) return Replies.TLS_NOT_AVAILABLE;
        if (helo == null) return Replies.NEED_HELO;
        if (tx != null) return new Reply(503, "5.5.1", "STARTTLS not allowed during a mail transaction");
        return Replies.READY_FOR_TLS;
    }

    /** Called when the connection ends however it ends. */
    void close() {
        abandon();
        gate.close();
    }
}

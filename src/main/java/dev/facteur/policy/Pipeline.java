package dev.facteur.policy;

import dev.facteur.auth.AuthenticationResults;
import dev.facteur.message.HeaderSection;
import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.metrics.Metrics;
import dev.facteur.metrics.PolicyMetrics;
import dev.facteur.smtp.Gate;
import dev.facteur.smtp.Reply;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks of one listener, stage by stage, in their configured order: the first final verdict
 * of a stage wins. What the SMTP server asks through {@link Gate}.
 *
 * <p>As Postfix's {@code smtpd_delay_reject}: a refusal decided at CONNECT, HELO or MAIL is given
 * at each RCPT, not at once, so that it can spare the recipients who opt out ({@link OptOut}:
 * postmaster and abuse always) and so that the log says whom the mail was for. Only a drop
 * (hang up) acts at once. Checks at RCPT do not run for recipients who opt out. Checks at the
 * end of DATA answer for the whole message, so they run unless every recipient opted out.
 *
 * <p>Every verdict other than "no opinion" is logged once, when it is taken, with the check and
 * why.
 */
public final class Pipeline implements Gate {

    private static final Logger log = LoggerFactory.getLogger("facteur.policy");

    /** Sees each verdict as it is taken (the log; {@code facteur policy} prints them). */
    @FunctionalInterface
    public interface Trace {
        void verdict(Stage stage, Check check, Verdict verdict, Facts facts);
    }

    /** The header sections read for Authentication-Results fields: longer ones keep what is beyond. */
    private static final int MAX_HEADER = 1 << 20;

    private static final byte[] CRLF = {'\r', '\n'};

    /** A check threw: the message waits rather than passing unchecked. */
    static final Reply CHECK_FAILED = new Reply(451, "4.3.0", "Temporary failure in a policy check; try again later");

    private final Map<Stage, List<Check>> byStage = new EnumMap<>(Stage.class);
    private final Predicate<InetAddress> trusted;
    private final OptOut optOut;
    private final Function<InetAddress, ClientName> reverseDns;
    private final Duration greetPause;
    private final String authservId;
    /** Where each check's verdict is counted (explaining sessions count nothing). */
    private volatile PolicyMetrics metrics = Metrics.NONE.policy();

    public Pipeline(List<Check> checks, Predicate<InetAddress> trusted, OptOut optOut, Function<InetAddress, ClientName> reverseDns) {
        this(checks, trusted, optOut, reverseDns, null);
    }

    /**
     * @param authservId the name under which the checks' email authentication results are given
     *                   in {@code Authentication-Results:} (RFC 8601 §2.5), or null for none; a field
     *                   of the message that claims it is removed as forged
     */
    public Pipeline(List<Check> checks, Predicate<InetAddress> trusted, OptOut optOut, Function<InetAddress, ClientName> reverseDns,
            String authservId) {
        this.authservId = authservId;
        for (Stage s : Stage.values()) byStage.put(s, checks.stream().filter(c -> c.stages().contains(s)).toList());
        this.trusted = trusted;
        this.optOut = optOut;
        this.reverseDns = reverseDns;
        this.greetPause = checks.stream().map(Check::greetPause).max(Duration::compareTo).orElse(Duration.ZERO);
    }

    /** Counts every verdict of the checks in {@code m} from now on. */
    public Pipeline measuredBy(PolicyMetrics m) {
        metrics = m;
        return this;
    }

    @Override
    public Session open(InetAddress client) {
        return open(client, false, Pipeline::logged);
    }

    /** A session that only explains: checks change no state, and {@code trace} sees each verdict. */
    public PolicySession explain(InetAddress client, Trace trace) {
        return open(client, true, trace);
    }

    /**
     * What the checks would decide for a client saying {@code helo}, sending from {@code sender}
     * to {@code recipients}, one line per verdict and one per stage's answer, changing no state
     * (greylisting records nothing, rate counters count nothing). For {@code facteur policy}.
     */
    public List<String> explain(InetAddress client, String helo, ReversePath sender, List<Mailbox> recipients) {
        List<String> out = new ArrayList<>();
        PolicySession s = explain(client, (stage, check, v, f) -> out.add("  " + stage.name().toLowerCase(Locale.ROOT)
                + ": " + check.name() + ": " + describe(v)));
        out.add("client [" + client.getHostAddress() + "]" + (s.facts().trusted() ? " (trusted: relay network)" : ""));
        Reply r = s.connect();
        if (r != null) {
            out.add("connect: " + r + " (hang up)");
            return out;
        }
        r = s.helo(helo);
        if (r != null) {
            out.add("helo " + helo + ": " + r + " (hang up)");
            return out;
        }
        r = s.mail(null, sender, -1);
        if (r != null) {
            out.add("mail from <" + sender + ">: " + r + " (hang up)");
            return out;
        }
        for (Mailbox to : recipients) {
            r = s.rcpt(to);
            out.add("rcpt to <" + to + ">: " + (r == null ? "accepted" + (optOut.covers(to) ? " (opts out of the checks)" : "") : r));
        }
        if (s.facts().clientNameKnown()) out.add("reverse DNS: " + s.facts().clientName());
        for (String h : s.headers()) out.add("header: " + h.strip());
        if (s.hold() != null) out.add("held in the queue: " + s.hold());
        return out;
    }

    private static String describe(Verdict v) {
        return switch (v) {
            case Verdict.Reject r -> "reject " + r.reply();
            case Verdict.Defer d -> "defer " + d.reply();
            case Verdict.Drop d -> "drop " + d.reply();
            case Verdict.Accept a -> "accept";
            case Verdict.AddHeader h -> "header " + h.field();
            case Verdict.Hold h -> "hold";
            case Verdict.Dunno d -> "dunno";
        } + (v.why().isEmpty() ? "" : " (" + v.why() + ")");
    }

    private PolicySession open(InetAddress client, boolean dryRun, Trace trace) {
        return new PolicySession(new Facts(client, trusted.test(client), dryRun, reverseDns), trace);
    }

    private static PolicyMetrics.Decision decision(Verdict v) {
        return switch (v) {
            case Verdict.Accept a -> PolicyMetrics.Decision.ACCEPT;
            case Verdict.Reject r -> PolicyMetrics.Decision.REJECT;
            case Verdict.Defer d -> PolicyMetrics.Decision.DEFER;
            case Verdict.Drop d -> PolicyMetrics.Decision.DROP;
            case Verdict.AddHeader h -> PolicyMetrics.Decision.HEADER;
            case Verdict.Hold h -> PolicyMetrics.Decision.HOLD;
            case Verdict.Dunno d -> PolicyMetrics.Decision.DUNNO;
        };
    }

    private static void logged(Stage stage, Check check, Verdict v, Facts f) {
        log.info("{}: {} at {}: {}", f.who(), check.name(), stage.name(), describe(v));
    }

    /** One connection's way through the checks. */
    public final class PolicySession implements Gate.Session {

        private final Facts facts;
        private final Trace trace;
        /** Refusals of CONNECT, HELO and MAIL, kept for the RCPTs. */
        private Verdict connectVerdict, heloVerdict, mailVerdict;
        private final List<String> connectionHeaders = new ArrayList<>();
        private final List<String> headers = new ArrayList<>();
        private String connectionHold, hold;
        /** A recipient of this transaction who does not opt out: then the checks at the end of DATA run. */
        private boolean checkedRecipient;

        PolicySession(Facts facts, Trace trace) {
            this.facts = facts;
            this.trace = trace;
        }

        public Facts facts() {
            return facts;
        }

        @Override
        public Duration greetPause() {
            return facts.trusted() ? Duration.ZERO : greetPause;
        }

        @Override
        public void protocolViolation(String what) {
            facts.violation = what;
        }

        @Override
        public Reply connect() {
            connectVerdict = run(Stage.CONNECT, true);
            return dropped(connectVerdict);
        }

        @Override
        public Reply helo(String name) {
            reset();
            facts.helo = name;
            heloVerdict = run(Stage.HELO, true);
            return dropped(heloVerdict);
        }

        /** A client that logged in skips the spam defences from now on, as a relay network's does. */
        @Override
        public void authenticated(String user, String mechanism) {
            facts.loggedIn(user);
        }

        @Override
        public Reply mail(QueueId id, ReversePath sender, long size) {
            reset();
            facts.id = id;
            facts.sender = sender;
            facts.size = size;
            mailVerdict = run(Stage.MAIL, false);
            return dropped(mailVerdict);
        }

        @Override
        public Reply rcpt(Mailbox recipient) {
            if (optOut.covers(recipient)) return null;
            for (Verdict earlier : new Verdict[] {connectVerdict, heloVerdict, mailVerdict}) {
                Reply r = refusal(earlier);
                if (r != null) return r;
            }
            facts.recipient = recipient;
            Reply r;
            try {
                r = refusal(run(Stage.RCPT, false));
            } finally {
                facts.recipient = null;
            }
            if (r == null) checkedRecipient = true;
            return r;
        }

        @Override
        public boolean readsContent() {
            return checkedRecipient && (!byStage.get(Stage.DATA).isEmpty() || authservId != null);
        }

        /**
         * The checks of the end of DATA, on the whole message: they answer for every recipient
         * at once, so they run when at least one recipient does not opt out. A header they add
         * goes at the top of the content, as the headers of earlier stages.
         */
        @Override
        public EndOfData endOfData(Content content) throws IOException {
            if (!readsContent()) return EndOfData.PASS;
            int before = headers.size();
            facts.content = content;
            Verdict v;
            try {
                v = run(Stage.DATA, false);
            } finally {
                facts.content = null;
            }
            Reply r = refusal(v);
            if (r != null) return new EndOfData.Refuse(r);
            List<String> added = new ArrayList<>();
            if (authservId != null && !facts.authResults.isEmpty())
                added.add(AuthenticationResults.field(authservId, facts.authResults) + "\r\n");
            added.addAll(headers.subList(before, headers.size()));
            boolean forged = authservId != null && forgedResults(content);
            if (!added.isEmpty() || forged) {
                content.rewrite((current, next) -> {
                    for (String h : added) next.write(h.getBytes(StandardCharsets.UTF_8));
                    if (forged) {
                        var in = new BufferedInputStream(current, 65536);
                        String header = HeaderSection.read(in, MAX_HEADER);
                        for (String f : HeaderSection.fields(header)) {
                            if (!isOurs(f)) next.write(f.getBytes(StandardCharsets.ISO_8859_1));
                        }
                        if (header.equals("\r\n") || header.endsWith("\r\n\r\n")) next.write(CRLF); // the empty line read
                        in.transferTo(next);
                    } else {
                        current.transferTo(next);
                    }
                });
            }
            return EndOfData.PASS;
        }

        /** Whether the message carries an {@code Authentication-Results:} field that claims our authserv-id (RFC 8601 §5). */
        private boolean forgedResults(Content content) throws IOException {
            try (var in = new BufferedInputStream(content.open(), 8192)) {
                boolean found = false;
                for (String f : HeaderSection.fields(HeaderSection.read(in, MAX_HEADER))) found |= isOurs(f);
                if (found) log.info("{}: an Authentication-Results field claiming {} is removed", facts.who(), authservId);
                return found;
            }
        }

        private boolean isOurs(String field) {
            return HeaderSection.name(field).equals("authentication-results")
                    && AuthenticationResults.claims(HeaderSection.value(field), authservId);
        }

        @Override
        public List<String> headers() {
            List<String> all = new ArrayList<>(connectionHeaders);
            all.addAll(headers);
            return all;
        }

        @Override
        public String clientName() {
            return facts.clientNameKnown() ? facts.clientName().confirmed() : null;
        }

        @Override
        public String hold() {
            return hold != null ? hold : connectionHold;
        }

        @Override
        public void reset() {
            facts.id = null;
            facts.sender = null;
            facts.size = -1;
            mailVerdict = null;
            headers.clear();
            facts.authResults.clear();
            facts.spf = null;
            facts.arc = null;
            facts.dkim.clear();
            hold = null;
            checkedRecipient = false;
        }

        /**
         * Runs a stage's checks in order until one is final. Headers and holds from CONNECT and
         * HELO belong to the connection, the others to the transaction.
         */
        private Verdict run(Stage stage, boolean forConnection) {
            for (Check check : byStage.get(stage)) {
                if (facts.trusted() && check.sparesTrusted()) continue;
                Verdict v;
                try {
                    v = check.check(stage, facts);
                } catch (RuntimeException e) {
                    log.error("{}: check {} failed at {}", facts.who(), check.name(), stage, e);
                    v = new Verdict.Defer(CHECK_FAILED, "the check failed: " + e);
                }
                if (!facts.dryRun()) metrics.verdict(check.name(), decision(v));
                if (v instanceof Verdict.Dunno) continue;
                trace.verdict(stage, check, v, facts);
                if (v instanceof Verdict.AddHeader h) {
                    List<String> to = forConnection ? connectionHeaders : headers;
                    if (!to.contains(h.field() + "\r\n")) to.add(h.field() + "\r\n"); // once, however many recipients asked
                } else if (v instanceof Verdict.Hold h) {
                    if (forConnection) connectionHold = h.why();
                    else hold = h.why();
                } else {
                    return v; // accept, reject, defer, drop: final for the stage
                }
            }
            return null;
        }

        private static Reply dropped(Verdict v) {
            return v instanceof Verdict.Drop d ? d.reply() : null;
        }

        private static Reply refusal(Verdict v) {
            return switch (v) {
                case Verdict.Reject r -> r.reply();
                case Verdict.Defer d -> d.reply();
                case Verdict.Drop d -> d.reply();
                case null, default -> null;
            };
        }
    }
}

package dev.facteur.policy;

import dev.facteur.auth.arc.ArcResult;
import dev.facteur.auth.dmarc.AuthResults;
import java.util.ArrayList;
import java.util.List;

import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.smtp.Gate;
import java.net.InetAddress;
import java.util.function.Function;

/**
 * What the checks may know of a connection so far: the client, then what it said. The session
 * fills it in as the dialogue goes; a check only reads it.
 */
public final class Facts {

    private final InetAddress client;
    private boolean trusted;
    private final boolean dryRun;
    private final Function<InetAddress, ClientName> reverseDns;
    private ClientName name;
    String helo;
    QueueId id;
    ReversePath sender;
    long size = -1;
    Mailbox recipient;
    String violation;
    String login;
    Gate.Content content;
    /** RFC 8601 method results of this transaction, in the order the checks found them. */
    final List<String> authResults = new ArrayList<>();
    /** What ARC found, for DMARC's local policy. */
    ArcResult arc;
    /** What SPF and DKIM found, for DMARC. */
    AuthResults.SpfAuth spf;
    final List<AuthResults.DkimAuth> dkim = new ArrayList<>();

    Facts(InetAddress client, boolean trusted, boolean dryRun, Function<InetAddress, ClientName> reverseDns) {
        this.client = client;
        this.trusted = trusted;
        this.dryRun = dryRun;
        this.reverseDns = reverseDns;
    }

    public InetAddress client() {
        return client;
    }

    /** A relay client (its network is in {@code relay.networks}), or one that logged in. */
    public boolean trusted() {
        return trusted;
    }

    /**
     * The pipeline is only explaining what it would decide ({@code facteur policy}): checks must
     * change no state (a greylist must not record the attempt, a rate counter must not count).
     */
    public boolean dryRun() {
        return dryRun;
    }

    /** The client's reverse DNS, looked up once per connection when a check first asks. */
    public ClientName clientName() {
        if (name == null) name = reverseDns.apply(client);
        return name;
    }

    /** Whether reverse DNS was looked up (so that the name can go into {@code Received:}). */
    public boolean clientNameKnown() {
        return name != null;
    }

    /** The client's login (AUTH), or null. */
    public String login() {
        return login;
    }

    /** The client logged in: trusted from now on. */
    void loggedIn(String user) {
        login = user;
        trusted = true;
    }

    /** The EHLO or HELO name, or null before it. */
    public String helo() {
        return helo;
    }

    /** The transaction's queue id, or null before MAIL. */
    public QueueId queueId() {
        return id;
    }

    /** The sender, or null before MAIL. */
    public ReversePath sender() {
        return sender;
    }

    /** The size the client declared at MAIL (RFC 1870), or -1. */
    public long size() {
        return size;
    }

    /** The recipient being checked, at the RCPT stage; else null. */
    public Mailbox recipient() {
        return recipient;
    }

    /**
     * The message at the DATA stage (its header section and body, streamed from where it is
     * stored; each {@code open()} reads it from the start), else null.
     */
    public Gate.Content content() {
        return content;
    }

    /**
     * Records a result of an email authentication method ({@code spf=pass smtp.mailfrom=...}) for
     * the message's {@code Authentication-Results:} field (RFC 8601 §2.7).
     */
    public void authResult(String resinfo) {
        authResults.add(resinfo);
    }

    /** The SPF result of the MAIL FROM identity (or HELO's, for a null reverse-path), for DMARC. */
    public void spf(AuthResults.SpfAuth result) {
        spf = result;
    }

    /** A DKIM signature's result, for DMARC. */
    public void dkim(AuthResults.DkimAuth result) {
        dkim.add(result);
    }

    /** The message's ARC chain, as the {@code arc} check found it. */
    public void arc(ArcResult result) {
        arc = result;
    }

    /** The message's ARC chain, or null when it was not checked. */
    public ArcResult arc() {
        return arc;
    }

    /** What SPF and DKIM found so far in this transaction (DMARCbis §5.3.3). */
    public AuthResults authentication() {
        return new AuthResults(java.util.Optional.ofNullable(spf), dkim);
    }

    /** How the client broke the order of the dialogue (talked before the greeting, pipelined unasked), or null. */
    public String protocolViolation() {
        return violation;
    }

    /** Who a log line speaks of: the queue id once there is one, else the client ({@code client=helo[address]}). */
    public String who() {
        return id != null ? id.toString() : "client=" + (helo == null ? "" : helo) + "[" + client.getHostAddress() + "]";
    }
}

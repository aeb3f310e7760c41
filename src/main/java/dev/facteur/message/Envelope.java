package dev.facteur.message;

import java.time.Instant;
import java.util.List;

/**
 * Everything SMTP says about a message besides its content: RFC 5321 envelope, the ESMTP MAIL
 * parameters later stages need (SIZE, BODY, SMTPUTF8, RET, ENVID, REQUIRETLS), the client it
 * came from, and where the scheduler stands with it.
 *
 * @param declaredSize the SIZE= value, or -1
 * @param ret          RFC 3461 RET, or null when absent
 * @param envid        RFC 3461 ENVID as received (xtext-encoded), or null
 * @param requireTls   RFC 8689 REQUIRETLS was given on MAIL: every onward hop must be over
 *                     verified TLS to a server that offers REQUIRETLS, and a report about the
 *                     message returns its header only (RFC 8689 §4.1, §4.2.1, §5)
 */
public record Envelope(
        QueueId id,
        Instant arrival,
        ReversePath sender,
        List<Recipient> recipients,
        long declaredSize,
        Body body,
        boolean smtpUtf8,
        Ret ret,
        String envid,
        ClientInfo client,
        Schedule schedule,
        boolean requireTls) {

    public Envelope {
        recipients = List.copyOf(recipients);
        if (schedule == null) schedule = Schedule.NEW;
    }

    /** A message without REQUIRETLS, as every envelope was before RFC 8689 support. */
    public Envelope(QueueId id, Instant arrival, ReversePath sender, List<Recipient> recipients, long declaredSize,
            Body body, boolean smtpUtf8, Ret ret, String envid, ClientInfo client, Schedule schedule) {
        this(id, arrival, sender, recipients, declaredSize, body, smtpUtf8, ret, envid, client, schedule, false);
    }

    /** A newly received message without REQUIRETLS: nothing attempted yet. */
    public Envelope(QueueId id, Instant arrival, ReversePath sender, List<Recipient> recipients, long declaredSize,
            Body body, boolean smtpUtf8, Ret ret, String envid, ClientInfo client) {
        this(id, arrival, sender, recipients, declaredSize, body, smtpUtf8, ret, envid, client, Schedule.NEW, false);
    }

    public Envelope withRecipients(List<Recipient> rs) {
        return new Envelope(id, arrival, sender, rs, declaredSize, body, smtpUtf8, ret, envid, client, schedule, requireTls);
    }

    /** The same message with another reverse-path (the one a forwarded copy is sent with). */
    public Envelope withSender(ReversePath s) {
        return new Envelope(id, arrival, s, recipients, declaredSize, body, smtpUtf8, ret, envid, client, schedule, requireTls);
    }

    /** The same message with another BODY type (after an 8-bit message was made 7-bit for a server). */
    public Envelope withBody(Body b) {
        return new Envelope(id, arrival, sender, recipients, declaredSize, b, smtpUtf8, ret, envid, client, schedule, requireTls);
    }

    public Envelope withSchedule(Schedule s) {
        return new Envelope(id, arrival, sender, recipients, declaredSize, body, smtpUtf8, ret, envid, client, s, requireTls);
    }

    /** The same message with or without the RFC 8689 REQUIRETLS tag. */
    public Envelope withRequireTls(boolean required) {
        return new Envelope(id, arrival, sender, recipients, declaredSize, body, smtpUtf8, ret, envid, client, schedule, required);
    }

    /** True when no recipient is still waiting for delivery. */
    public boolean isComplete() {
        return recipients.stream().noneMatch(r -> r.state() == Recipient.State.PENDING);
    }
}

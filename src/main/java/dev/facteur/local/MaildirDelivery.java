package dev.facteur.local;

import dev.facteur.message.Mailbox;
import dev.facteur.message.ReversePath;
import dev.facteur.smtp.Reply;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Delivers to final recipients in Maildirs found by a path template such as
 * {@code /var/mail/{domain}/{user}}, the way Postfix's {@code local} and {@code virtual} do: a
 * {@code Return-Path:} and a {@code Delivered-To:} line on top (RFC 5321 §4.4), loop detection
 * on {@code Delivered-To:} (§6.3), and a quota per mailbox. Every outcome is a reply; expected
 * failures are never thrown.
 */
public final class MaildirDelivery {

    /** The stored message, CRLF lines; opened once to look for loops and once to deliver. */
    @FunctionalInterface
    public interface Content {
        InputStream open() throws IOException;
    }

    static final Reply DELIVERED = new Reply(250, "2.0.0", "Delivered to maildir");
    // RFC 3463 X.2.2 "mailbox full": temporary while the message would fit once mail is removed,
    // so the queue retries until it expires; permanent when it is larger than the whole quota.
    static final Reply MAILBOX_FULL = new Reply(452, "4.2.2", "Mailbox full");
    static final Reply LARGER_THAN_QUOTA = new Reply(552, "5.2.2", "Message larger than the mailbox quota");

    private final String pathTemplate;
    private final long quotaBytes;
    private final DurableDirectories directories = new DurableDirectories(DurableDirectories.Fsync.SYSTEM);

    /**
     * @param pathTemplate the Maildir of each recipient: {@code {user}} and {@code {domain}} are
     *                     replaced by the recipient's local part and domain, lower-cased
     * @param quotaBytes   the most bytes a Maildir may hold, or 0 for no limit
     */
    public MaildirDelivery(String pathTemplate, long quotaBytes) {
        if (quotaBytes < 0) throw new IllegalArgumentException("quota must be 0 (none) or positive: " + quotaBytes);
        Path.of(pathTemplate); // a template that is no path fails now, not at the first delivery
        this.pathTemplate = pathTemplate;
        this.quotaBytes = quotaBytes;
    }

    public Reply deliver(ReversePath sender, Mailbox recipient, Content content) {
        Optional<Path> root = maildirOf(recipient);
        if (root.isEmpty()) return new Reply(553, "5.1.3", "Mailbox name not allowed: " + recipient);
        try {
            if (alreadyDeliveredTo(recipient, content))
                return new Reply(554, "5.4.6", "Mail forwarding loop for <" + recipient + ">");
            Maildir maildir = Maildir.open(root.get(), directories);
            byte[] prefix = prefix(sender, recipient);
            long room = quotaBytes == 0 ? Long.MAX_VALUE : quotaBytes - maildir.usage();
            if (room > 0 && deliversWithin(maildir, prefix, content, room)) return DELIVERED;
            // No room for it now: whether there ever could be decides between retrying and giving up.
            return largerThanQuota(prefix, content) ? LARGER_THAN_QUOTA : MAILBOX_FULL;
        } catch (IOException | UncheckedIOException e) {
            return new Reply(451, "4.3.0", "Maildir delivery failed: " + reason(e));
        }
    }

    /** Delivers into {@code maildir}, or returns false when the message takes more than {@code room} bytes. */
    private static boolean deliversWithin(Maildir maildir, byte[] prefix, Content content, long room) throws IOException {
        try (InputStream in = content.open()) {
            maildir.deliver(prefix, in, room);
            return true;
        } catch (Maildir.TooLarge e) {
            return false;
        }
    }

    /** Whether the message as it would be stored (our prefix on top, LF line ends) exceeds the whole quota. */
    private boolean largerThanQuota(byte[] prefix, Content content) throws IOException {
        try (InputStream in = new SequenceInputStream(new ByteArrayInputStream(prefix), content.open())) {
            UnixLineEnds.copy(in, OutputStream.nullOutputStream(), quotaBytes);
            return false;
        } catch (Maildir.TooLarge e) {
            return true;
        }
    }

    /** The recipient's Maildir, or empty when a name would not be one plain path component. */
    Optional<Path> maildirOf(Mailbox recipient) {
        String user = recipient.localPart().toLowerCase(Locale.ROOT);
        String domain = recipient.domainKey();
        var path = new StringBuilder();
        // One pass, so a local part such as "{domain}" is text, not a placeholder.
        for (int i = 0; i < pathTemplate.length(); ) {
            if (pathTemplate.startsWith("{user}", i)) {
                if (!isSafeComponent(user)) return Optional.empty();
                path.append(user);
                i += "{user}".length();
            } else if (pathTemplate.startsWith("{domain}", i)) {
                if (!isSafeComponent(domain)) return Optional.empty();
                path.append(domain);
                i += "{domain}".length();
            } else {
                path.append(pathTemplate.charAt(i++));
            }
        }
        return Optional.of(Path.of(path.toString()));
    }

    /**
     * A name that stays one directory entry under the root: not empty, no '/', no NUL (which ends a
     * path for the kernel), not starting with '.' (no "..", no hidden files such as ".ssh"), and
     * within the 255-byte NAME_MAX of Linux file systems.
     */
    static boolean isSafeComponent(String name) {
        return !name.isEmpty() && name.indexOf('/') < 0 && name.indexOf('\0') < 0 && !name.startsWith(".")
                && name.getBytes(StandardCharsets.UTF_8).length <= 255;
    }

    /** RFC 5321 §6.3: our own Delivered-To for this recipient means the message came round again. */
    private static boolean alreadyDeliveredTo(Mailbox recipient, Content content) throws IOException {
        try (InputStream in = content.open()) {
            for (String value : HeaderSection.values(in, "Delivered-To")) {
                String address = value.startsWith("<") && value.endsWith(">") ? value.substring(1, value.length() - 1) : value;
                if (address.strip().equalsIgnoreCase(recipient.toString())) return true;
            }
            return false;
        }
    }

    /** RFC 5322 §3.6.7 return = "<" addr-spec ">", empty for the null sender; Delivered-To as Postfix writes it. */
    private static byte[] prefix(ReversePath sender, Mailbox recipient) {
        return ("Return-Path: <" + sender + ">\nDelivered-To: " + recipient + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static String reason(Exception e) {
        String text = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return text.replaceAll("[\\r\\n]+", " "); // a reply line must stay one line
    }
}

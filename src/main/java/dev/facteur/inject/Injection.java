package dev.facteur.inject;

import dev.facteur.inject.InjectionRequest.Content;
import dev.facteur.inject.InjectionRequest.Header;
import dev.facteur.inject.InjectionRequest.Recipient;
import dev.facteur.inject.LocalSubmission.Outcome;
import dev.facteur.inject.LocalSubmission.Queued;
import dev.facteur.inject.LocalSubmission.Refused;
import dev.facteur.mime.Composer;
import dev.facteur.mime.Composer.Field;
import dev.facteur.mime.NamedAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The injection API's work, without HTTP: a checked request becomes one message for all its
 * recipients, or a message for each when what they get differs (a variable with another value, a
 * {@code {{recipient}}}) or when the mail is bulk; each is composed here and handed to the
 * running server over its local submission socket ({@link LocalSubmission}), the path of
 * {@code facteur sendmail}.
 *
 * <p>Every template is filled in and checked for every recipient before anything is sent: a
 * variable without a value, or a header value that a variable gave a line break, refuses the
 * whole request rather than mailing half of it.
 */
public final class Injection {

    /** Fields whose values are address lists (RFC 5322 §3.6.2, §3.6.3): display names there become encoded words, not the addresses. */
    private static final Set<String> ADDRESS_FIELDS = Set.of("to", "cc", "reply-to", "sender");
    /** An empty group, {@code undisclosed-recipients:;} (RFC 5322 §3.4): a To field that names no one. */
    private static final Pattern EMPTY_GROUP = Pattern.compile("[^:;<>\",@]+:\\s*;");

    /** What became of a request: the messages queued, each with its queue id, and the recipients refused. */
    public record Result(List<Message> messages, List<Refused> refused) {}

    /** One message queued: the server's queue id, the {@code Message-ID} it carries, and its recipients. */
    public record Message(String queueId, String messageId, List<String> recipients) {}

    /** Recipients who get the same message, and the variables it is filled in with. */
    private record Group(List<Recipient> recipients, Function<String, String> values) {}

    private final Path socket;
    private final Composer composer;
    private final InjectionLimits limits;
    private final Duration timeout;

    /**
     * @param socket         the server's local submission socket ({@code [sendmail] socket})
     * @param hostname       for Message-IDs
     * @param maxMessageSize the server's {@code [smtp] max_message_size}, for the request limits
     */
    public Injection(Path socket, String hostname, long maxMessageSize) {
        this(socket, new Composer(hostname, Clock.systemDefaultZone(), new SecureRandom()), InjectionLimits.forMessageSize(maxMessageSize),
                LocalSubmission.TIMEOUT);
    }

    public Injection(Path socket, Composer composer, InjectionLimits limits, Duration timeout) {
        this.socket = socket;
        this.composer = composer;
        this.limits = limits;
        this.timeout = timeout;
    }

    public InjectionLimits limits() {
        return limits;
    }

    /**
     * Checks, composes and submits; nothing is sent when a template cannot be filled in for some
     * recipient (BadRequest). An IOException when the server's socket cannot be reached.
     */
    public Result inject(InjectionRequest request) throws BadRequest, IOException {
        List<Group> groups = switch (request.content()) {
            case Content.Composed c -> groups(c, request.to());
            case Content.Raw r -> List.of(new Group(request.to(), name -> null));
        };
        List<Message> messages = new ArrayList<>();
        List<Refused> refused = new ArrayList<>();
        try (var session = LocalSubmission.connect(socket, timeout)) {
            for (Group g : groups) {
                Composer.Composed m = switch (request.content()) {
                    case Content.Composed c -> compose(c, g);
                    case Content.Raw r -> completed(r);
                };
                List<String> to = g.recipients().stream().map(x -> x.address().address().toString()).toList();
                Outcome o = session.send(request.envelopeFrom().toString(), to, m.content(), m.utf8Header());
                for (Queued q : o.queued()) messages.add(new Message(q.queueId(), m.messageId(), q.recipients()));
                refused.addAll(o.refused());
            }
        }
        return new Result(List.copyOf(messages), List.copyOf(refused));
    }

    /**
     * One group for all when every recipient would get the same message, else one each; after
     * checking that every template fills in for every recipient.
     */
    private List<Group> groups(Content.Composed c, List<Recipient> to) throws BadRequest {
        Set<String> names = new LinkedHashSet<>();
        for (Template t : templates(c)) names.addAll(t.names());
        List<Group> each = new ArrayList<>(to.size());
        for (int i = 0; i < to.size(); i++) {
            Recipient r = to.get(i);
            Group g = new Group(List.of(r), values(c, r));
            check(c, g, i, to.size() > 1);
            each.add(g);
        }
        if (to.size() == 1) return each;
        boolean same = !c.bulk() && !names.contains(RequestParser.RECIPIENT_VARIABLE);
        for (String name : names) {
            String first = each.getFirst().values().apply(name);
            for (Group g : each) same &= first.equals(g.values().apply(name));
        }
        return same ? List.of(new Group(to, each.getFirst().values())) : each;
    }

    private static List<Template> templates(Content.Composed c) {
        List<Template> all = new ArrayList<>();
        if (c.subject() != null) all.add(c.subject());
        if (c.text() != null) all.add(c.text());
        if (c.html() != null) all.add(c.html());
        for (Header h : c.headers()) all.add(h.value());
        return all;
    }

    /** A recipient's variables: its own, then the request's, then {@code recipient}, its address. */
    private static Function<String, String> values(Content.Composed c, Recipient r) {
        return name -> {
            String v = r.variables().get(name);
            if (v == null) v = c.defaults().get(name);
            if (v == null && name.equals(RequestParser.RECIPIENT_VARIABLE)) v = r.address().address().toString();
            return v;
        };
    }

    /** Fills in every template for the recipient {@code to[i]}, as the message will be made, and drops the result. */
    private void check(Content.Composed c, Group g, int i, boolean several) throws BadRequest {
        String who = several ? " for to[" + i + "]" : "";
        missing("subject", c.subject(), g, i, who);
        missing("text", c.text(), g, i, who);
        missing("html", c.html(), g, i, who);
        for (Header h : c.headers()) missing("headers." + h.name(), h.value(), g, i, who);
        fields(c, g, who);
        long length = (c.text() == null ? 0 : c.text().length(g.values(), Template.Escaping.NONE))
                + (c.html() == null ? 0 : c.html().length(g.values(), Template.Escaping.HTML));
        if (length > limits.maxMessageChars())
            throw new BadRequest(c.text() != null ? "text" : "html", "filled in" + who + ", the message would be " + length
                    + " characters: more than the server takes (" + limits.maxMessageChars() + " octets)");
    }

    private static void missing(String field, Template t, Group g, int i, String who) throws BadRequest {
        if (t == null) return;
        String name = t.missing(g.values());
        if (name != null)
            throw new BadRequest(field, "no value for {{" + name + "}}" + who + ": give it in " + (who.isEmpty() ? "" : "to[" + i + "].variables or in ")
                    + "variables");
    }

    /** The header fields after From, filled in: To (unless the request gives its own), Subject, the request's, Precedence. */
    private List<Field> fields(Content.Composed c, Group g, String who) throws BadRequest {
        List<Field> fields = new ArrayList<>();
        boolean ownTo = c.headers().stream().anyMatch(h -> h.name().equalsIgnoreCase("to"));
        boolean ownPrecedence = c.headers().stream().anyMatch(h -> h.name().equalsIgnoreCase("precedence"));
        if (!ownTo) fields.add(new Field.Addresses("To", g.recipients().stream().map(Recipient::address).toList()));
        if (c.subject() != null) fields.add(new Field.Text("Subject", value("subject", c.subject(), g, who)));
        for (Header h : c.headers()) {
            String field = "headers." + h.name();
            String v = value(field, h.value(), g, who);
            fields.add(ADDRESS_FIELDS.contains(h.name().toLowerCase(Locale.ROOT)) ? addresses(field, h.name(), v, h.value(), who)
                    : new Field.Text(h.name(), v));
        }
        // RFC 2076 §3.9: what auto-responders and list tools look for; the List-Unsubscribe step too
        if (c.bulk() && !ownPrecedence) fields.add(new Field.Text("Precedence", "bulk"));
        return fields;
    }

    /** A header value filled in: one line of text, without control characters, of bounded length. */
    private String value(String field, Template t, Group g, String who) throws BadRequest {
        String v = t.render(g.values(), Template.Escaping.NONE).strip();
        String from = t.names().isEmpty() ? "" : who + " (from a variable?)";
        if (v.length() > limits.maxHeaderValue())
            throw new BadRequest(field, "longer than " + limits.maxHeaderValue() + " characters" + from);
        for (int i = 0; i < v.length(); i++) {
            char ch = v.charAt(i);
            if (ch == '\r' || ch == '\n') throw new BadRequest(field, "a line break in a header value" + from);
            if ((ch < 0x20 && ch != '\t') || ch == 0x7F) throw new BadRequest(field, "a control character in a header value" + from);
        }
        return v;
    }

    private static Field addresses(String field, String name, String value, Template t, String who) throws BadRequest {
        String from = t.names().isEmpty() ? "" : who;
        if (EMPTY_GROUP.matcher(value).matches() && !name.equalsIgnoreCase("sender")) return new Field.Text(name, value);
        try {
            List<NamedAddress> list = NamedAddress.parseList(value);
            if (name.equalsIgnoreCase("sender") && list.size() != 1) throw new BadRequest(field, "one address" + from);
            for (NamedAddress a : list)
                if (a.name().length() > RequestParser.MAX_NAME)
                    throw new BadRequest(field, "a name longer than " + RequestParser.MAX_NAME + " characters" + from);
            return new Field.Addresses(name, list);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(field, e.getMessage() + from);
        }
    }

    private Composer.Composed compose(Content.Composed c, Group g) throws BadRequest {
        List<Field> fields = fields(c, g, "");
        String text = c.text() == null ? null : c.text().render(g.values(), Template.Escaping.NONE);
        String html = c.html() == null ? null : c.html().render(g.values(), Template.Escaping.HTML);
        return composer.compose(new Composer.Draft(c.from(), fields, text, html));
    }

    /** A raw message with what RFC 5322 §3.6 requires and it lacks: From (the request's), Date, Message-ID. */
    private Composer.Composed completed(Content.Raw r) {
        RawMessage m = r.message();
        List<String> added = new ArrayList<>();
        boolean utf8 = m.utf8Header();
        if (!m.has("from")) {
            added.add(Composer.write(new Field.Addresses("From", List.of(r.from()))));
            utf8 |= r.from().isInternationalized();
        }
        if (!m.has("date")) added.add("Date: " + composer.date() + "\r\n");
        String messageId = m.messageId().orElse(null);
        if (messageId == null) {
            messageId = composer.messageId();
            added.add("Message-ID: " + messageId + "\r\n");
        }
        return new Composer.Composed(m.completed(added), messageId, utf8);
    }
}

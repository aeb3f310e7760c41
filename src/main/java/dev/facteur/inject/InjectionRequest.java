package dev.facteur.inject;

import dev.facteur.message.Mailbox;
import dev.facteur.mime.NamedAddress;
import java.util.List;
import java.util.Map;

/**
 * A request of the injection API, read and checked ({@link RequestParser}): the envelope sender,
 * the recipients, and what to send them.
 *
 * @param envelopeFrom the envelope sender ({@code MAIL FROM}), where bounces go
 */
public record InjectionRequest(Mailbox envelopeFrom, List<Recipient> to, Content content) {

    public InjectionRequest {
        to = List.copyOf(to);
    }

    /** One recipient: the address (with a display name for the {@code To} field), and its own variables. */
    public record Recipient(NamedAddress address, Map<String, String> variables) {
        public Recipient {
            variables = Map.copyOf(variables);
        }
    }

    /** An extra header field, its value a template. */
    public record Header(String name, Template value) {}

    public sealed interface Content {

        /**
         * A message to write here from templates.
         *
         * @param subject  null: no {@code Subject} field
         * @param text     null when the message is html only
         * @param html     null when the message is text only
         * @param defaults the request's {@code variables}, for recipients that do not give their own
         * @param bulk     {@code Precedence: bulk}, and a message of its own for each recipient
         */
        record Composed(NamedAddress from, Template subject, Template text, Template html, List<Header> headers,
                Map<String, String> defaults, boolean bulk) implements Content {
            public Composed {
                headers = List.copyOf(headers);
                defaults = Map.copyOf(defaults);
            }
        }

        /** A message the application wrote whole; {@code from} (null: none given) fills in a missing {@code From} field. */
        record Raw(RawMessage message, NamedAddress from) implements Content {}
    }
}

package dev.facteur.auth.spf;

import java.time.Clock;
import java.util.Objects;

/**
 * What the receiving side brings to a check.
 *
 * @param receivingHost      this host's name: the {@code r} macro of explanations (§7.3)
 * @param defaultExplanation the explanation of a fail when the domain gives none or a broken one
 *                           (§6.2): an {@code explain-string}, so it may use macros
 * @param clock              for the {@code t} macro
 */
public record SpfSettings(String receivingHost, String defaultExplanation, Clock clock) {

    /** Names the sender's domain and the client, in words a person whose mail bounced can act on. */
    public static final String DEFAULT_EXPLANATION = "The domain %{o} does not designate %{c} as a permitted sender";

    public SpfSettings {
        Objects.requireNonNull(receivingHost, "receivingHost");
        Objects.requireNonNull(clock, "clock");
        try {
            MacroString.parseExplanation(defaultExplanation);
        } catch (SyntaxError e) {
            throw new IllegalArgumentException("default SPF explanation: " + e.getMessage(), e);
        }
    }

    /** The default explanation, the system clock, and {@code receivingHost} for {@code %{r}}. */
    public static SpfSettings of(String receivingHost) {
        return new SpfSettings(receivingHost, DEFAULT_EXPLANATION, Clock.systemUTC());
    }

    MacroString parsedDefaultExplanation() {
        try {
            return MacroString.parseExplanation(defaultExplanation);
        } catch (SyntaxError e) {
            throw new AssertionError(e); // checked by the constructor
        }
    }
}

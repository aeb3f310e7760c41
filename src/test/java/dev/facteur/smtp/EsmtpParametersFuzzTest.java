package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import java.util.Map;

/**
 * MAIL and RCPT parameters as a client writes them (RFC 1870 SIZE, RFC 6152 BODY, RFC 6531
 * SMTPUTF8, RFC 3461 RET, ENVID, NOTIFY, ORCPT): accepted values respect their grammar, anything
 * else is {@link EsmtpParameters.Refused} with a 5xx reply, never another exception. The ORCPT
 * that Facteur writes for an address it accepted is one it accepts back.
 */
class EsmtpParametersFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void parametersAreAcceptedOnlyWhenWellFormed(FuzzedDataProvider data) {
        boolean smtpUtf8 = data.consumeBoolean();
        long maxSize = data.consumeLong(0, Long.MAX_VALUE);
        String params = data.consumeRemainingAsString();

        if (CommandParser.parse("MAIL FROM:<a@example.test> " + params) instanceof Command.Mail m) {
            try {
                var p = EsmtpParameters.mail(m.params(), maxSize);
                assertThat(p.size()).isBetween(-1L, maxSize);
                if (p.envid() != null) assertThat(EsmtpParameters.isXtext(p.envid())).isTrue();
                if (p.envid() != null) assertThat(p.envid().length()).isLessThanOrEqualTo(100);
            } catch (EsmtpParameters.Refused e) {
                assertThat(e.reply.code()).isBetween(500, 599);
            }
        }
        if (CommandParser.parse("RCPT TO:<a@example.test> " + params) instanceof Command.Rcpt r) {
            try {
                var p = EsmtpParameters.rcpt(r.params(), smtpUtf8);
                assertThat(p.dsnNotify()).isNotNull();
                if (p.orcpt() != null) {
                    assertThat(p.orcpt()).contains(";").hasSizeLessThanOrEqualTo(500);
                    // RFC 3461 §4.2 xtext and RFC 6533 §3 utf-8-addr: no control characters (the DSN quotes it)
                    assertThat(p.orcpt().chars().noneMatch(c -> c < 0x20 || c == 0x7f)).as("controls in ORCPT %s", p.orcpt()).isTrue();
                    if (!smtpUtf8) assertThat(p.orcpt().chars().allMatch(c -> c < 0x80)).as("8-bit ORCPT without SMTPUTF8").isTrue();
                }
            } catch (EsmtpParameters.Refused e) {
                assertThat(e.reply.code()).isBetween(500, 599);
            }
        }
        // An address Facteur accepted, written as ORCPT for a message it relays, must be accepted back.
        Mailbox m = AddressSyntax.tryParseMailbox(params, true).orElse(null);
        String orcpt = m == null ? null : EsmtpParameters.orcptOf(m); // null: too long once encoded, left out
        if (orcpt != null) {
            try {
                assertThat(EsmtpParameters.rcpt(Map.of("ORCPT", orcpt), m.isInternationalized()).orcpt()).isEqualTo(orcpt);
            } catch (EsmtpParameters.Refused e) {
                throw new AssertionError("ORCPT written for <" + m + "> is refused: " + orcpt, e);
            }
        }
    }
}

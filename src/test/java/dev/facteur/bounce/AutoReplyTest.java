package dev.facteur.bounce;

import static dev.facteur.bounce.Messages.read;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.bounce.Report.AutoReply;
import dev.facteur.bounce.Report.Bounce;
import dev.facteur.bounce.Report.NotAReport;
import org.junit.jupiter.api.Test;

/** RFC 3834 automatic replies are recognised as such, and never taken for bounces. */
class AutoReplyTest {

    private static String message(String fields) {
        return fields + """
                From: alice@example.org
                To: news@example.com

                I am away until Monday and will read your message when I am back.
                """;
    }

    @Test
    void autoSubmittedAutoRepliedIsAnAutomaticReply() { // RFC 3834 §5.2
        Report r = read(message("Auto-Submitted: auto-replied (vacation)\nSubject: Away until May 5\n"));
        assertThat(r).isInstanceOfSatisfying(AutoReply.class, a -> {
            assertThat(a.evidence()).isEqualTo("Auto-Submitted: auto-replied (vacation)");
            assertThat(a.header().first("From")).contains("alice@example.org");
        });
    }

    @Test
    void theFieldsAndSubjectsRespondersWroteBeforeTheRfc() {
        assertThat(read(message("Subject: Automatic reply: Hello\nX-Auto-Response-Suppress: All\n"))).isInstanceOf(AutoReply.class);
        assertThat(read(message("Subject: Auto reply: Hello\nX-Apple-Action: VACATION\n"))).isInstanceOf(AutoReply.class);
        assertThat(read(message("Subject: Re: Hello\nX-Autoreply: yes\n"))).isInstanceOf(AutoReply.class);
        assertThat(read(message("Subject: Re: Hello\nPrecedence: auto_reply\n"))).isInstanceOf(AutoReply.class);
        assertThat(read(message("Subject: Out of Office: Hello\n"))).isInstanceOf(AutoReply.class);
        assertThat(read(message("Subject: Abwesenheitsnotiz: Hello\n"))).isInstanceOf(AutoReply.class);
    }

    @Test
    void otherAutomaticMessagesAreNotReplies() { // RFC 3834 §5.1: auto-generated is not a reply; "no" is a person
        assertThat(read(message("Auto-Submitted: auto-generated\nSubject: Your weekly digest\n"))).isInstanceOf(NotAReport.class);
        assertThat(read(message("Auto-Submitted: no\nSubject: Hello\n"))).isInstanceOf(NotAReport.class);
        assertThat(read(message("Precedence: bulk\nSubject: Newsletter\n"))).isInstanceOf(NotAReport.class);
        assertThat(read(message("X-Autoreply: no\nSubject: Hello\n"))).isInstanceOf(NotAReport.class);
    }

    @Test
    void aBounceMarkedAutoRepliedIsStillABounce() { // Facteur's own DSNs, and Google's, carry Auto-Submitted: auto-replied
        Report r = read("""
                From: Mail Delivery Subsystem <mailer-daemon@example.com>
                To: news@example.com
                Subject: Delivery Status Notification (Failure)
                Auto-Submitted: auto-replied
                X-Failed-Recipients: group@example.org

                The group you tried to contact (group) may not exist, or you may not have permission to post messages to the group.
                """);
        assertThat(r).isInstanceOfSatisfying(Bounce.class, b -> assertThat(b.recipients()).extracting(BouncedRecipient::address)
                .containsExactly("group@example.org"));
    }

    @Test
    void anAutoReplyWithANullReturnPathIsStillAnAutoReply() { // RFC 3834 §3.3 sends replies to the return path, often with MAIL FROM:<>
        Report r = read(message("Return-Path: <>\nAuto-Submitted: auto-replied\nSubject: Re: Hello\n"));
        assertThat(r).isInstanceOf(AutoReply.class);
    }
}

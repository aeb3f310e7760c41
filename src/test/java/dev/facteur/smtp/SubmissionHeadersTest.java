package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** RFC 6409 §8: what the submission server fixes in a user's message. */
class SubmissionHeadersTest {

    @Test
    void addressesWithoutADomainGetTheUsersOne() {
        assertThat(SubmissionHeaders.qualified(" bob, carol\r\n", "example.org")).isEqualTo(" bob@example.org, carol@example.org\r\n");
        assertThat(SubmissionHeaders.qualified(" Bob <bob>, \"Carol, C.\" <carol@x.test>\r\n", "example.org"))
                .isEqualTo(" Bob <bob@example.org>, \"Carol, C.\" <carol@x.test>\r\n");
        assertThat(SubmissionHeaders.qualified(" team: bob, dan@x.test;\r\n", "example.org")).isEqualTo(" team: bob@example.org, dan@x.test;\r\n");
        assertThat(SubmissionHeaders.qualified(" bob (the boss),\r\n carol\r\n", "example.org"))
                .isEqualTo(" bob@example.org (the boss),\r\n carol@example.org\r\n");
    }

    @Test
    void whatIsNoBareAddressIsLeftAsItWas() {
        for (String v : new String[] {" alice@example.org\r\n", " Alice Smith\r\n", " <>\r\n", " undisclosed-recipients:;\r\n",
                " \"bob\" <bob@x.test>\r\n"})
            assertThat(SubmissionHeaders.qualified(v, "example.org")).as(v).isEqualTo(v);
    }

    @Test
    void bccGoesAndDateAndMessageIdAreAddedWhenMissing() {
        var h = new SubmissionHeaders(null, "example.org", "Tue, 1 Dec 2026 10:00:00 +0000", "<ID@mx.example.org>");
        assertThat(h.rewrite("Bcc", " secret@x.test\r\n")).isEmpty();
        assertThat(h.rewrite("Subject", " hi\r\n")).isNull();
        assertThat(h.added()).isEqualTo("Date: Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <ID@mx.example.org>\r\n");
        h.rewrite("date", " Mon, 30 Nov 2026 09:00:00 +0100\r\n");
        h.rewrite("Message-Id", " <mine@laptop>\r\n");
        assertThat(h.added()).isEmpty();
    }
}

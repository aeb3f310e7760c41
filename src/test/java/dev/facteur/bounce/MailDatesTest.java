package dev.facteur.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** RFC 5322 §3.3 date-times, with the obsolete forms §4.3 asks a reader to accept, as reports write them. */
class MailDatesTest {

    @Test
    void theFormsReportsUse() {
        assertThat(MailDates.parse("Thu, 29 Apr 2021 23:34:45 +0900")).contains(Instant.parse("2021-04-29T14:34:45Z"));
        assertThat(MailDates.parse("8 Oct 2011 20:15:58 +0000 (GMT)")).contains(Instant.parse("2011-10-08T20:15:58Z"));
        assertThat(MailDates.parse("Thu,17 Jul 2017 23:34:45 +0200")).contains(Instant.parse("2017-07-17T21:34:45Z"));
        assertThat(MailDates.parse("Thu,  2 Jul 2020 06:04:42 -0400 (EDT)")).contains(Instant.parse("2020-07-02T10:04:42Z"));
        assertThat(MailDates.parse("Wed, 14 Apr 2010 12:15:31 -0700 (PDT)")).contains(Instant.ofEpochSecond(1271272531));
    }

    @Test
    void obsoleteFormsAreRead() { // RFC 5322 §4.3
        assertThat(MailDates.parse("Thu, 8 Mar 2005 14:00:00 EDT")).contains(Instant.ofEpochSecond(1110304800));
        assertThat(MailDates.parse("Thu, 01 Oct 15 13:48:54 UTC")).contains(Instant.parse("2015-10-01T13:48:54Z"));
        assertThat(MailDates.parse("1 Jan 99 00:00 GMT")).contains(Instant.parse("1999-01-01T00:00:00Z"));
        assertThat(MailDates.parse("1 Jan 2020 12:00:00 JST")).contains(Instant.parse("2020-01-01T12:00:00Z")); // an unknown zone is -0000
    }

    @Test
    void whatIsNoDateIsNone() {
        assertThat(MailDates.parse("29-04-2017 23:34")).isEmpty();
        assertThat(MailDates.parse("31 Feb 2020 00:00:00 +0000")).isEmpty();
        assertThat(MailDates.parse("1 Jan 2020 25:00:00 +0000")).isEmpty();
        assertThat(MailDates.parse("1 Jan 2020 12:00:00 +9999")).contains(Instant.parse("2020-01-01T12:00:00Z"));
        assertThat(MailDates.parse("yesterday")).isEmpty();
        assertThat(MailDates.parse(null)).isEmpty();
    }
}

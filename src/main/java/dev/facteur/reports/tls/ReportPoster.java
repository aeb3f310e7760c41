package dev.facteur.reports.tls;

import java.net.URI;

/** Where {@code https:} reports go (RFC 8460 §5.4): {@link HttpsReportClient} in production. */
@FunctionalInterface
public interface ReportPoster {

    /** POSTs the gzipped report to {@code target}, and says what became of it. Never throws for the network's troubles. */
    Result post(URI target, byte[] gzipped);

    /** What the receiver made of a report. */
    sealed interface Result {
        /** 2xx: the receiver has it. */
        record Accepted(int status) implements Result {}

        /** The receiver, or the URI, says no in a way trying again will not change (a 4xx, a redirect, no such host). */
        record Refused(String why) implements Result {}

        /** No answer, or one that says to try again (5xx, 408, 429): a later try may work. */
        record Failed(String why) implements Result {}
    }
}

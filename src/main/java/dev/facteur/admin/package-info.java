/**
 * The operator interface: a small HTTP/JSON server on loopback that the queue commands talk to,
 * open only to requests bearing a token from a file that Facteur's user alone can read, each
 * token {@code read} or {@code operate}. The JSON queue API under {@code /api/} is small pieces:
 * {@code ApiHandler} routes, {@code Query}, {@code QueueFilter}, {@code Listing}
 * and {@code Cursor} read the request, {@code MessageJson} and {@code QueueSummary} write the
 * answers, {@code QueueEndpoints} joins them to the spool and the queue manager. The dashboard
 * for people is {@code DashboardFiles} (its page, script and style from the jar, under
 * {@code /dashboard/}) and {@code ActivityEndpoint} ({@code /api/activity}, from
 * {@code dev.facteur.activity}). This package depends on the queue, the spool, the history and
 * the activity; none of them on it.
 */
package dev.facteur.admin;

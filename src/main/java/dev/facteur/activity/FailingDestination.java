package dev.facteur.activity;

import java.time.Instant;

/**
 * A destination whose recipients failed (deferred, bounced or expired) in the window asked for.
 *
 * @param domain    the recipients' domain, lower case
 * @param failures  recipients that failed there in the window, counted by the hour
 * @param lastReply the last failure's reply (the remote server's, or Facteur's account when there
 *                  was none), cut to {@value FailingDestinations#MAX_REPLY} characters; null when
 *                  there was none
 * @param lastAt    when it failed last
 */
public record FailingDestination(String domain, long failures, String lastReply, Instant lastAt) {}

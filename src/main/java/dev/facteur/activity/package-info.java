/**
 * What the server did over the last day, in memory, for the dashboard ({@code GET /api/activity}):
 * {@link dev.facteur.activity.Activity} counts accepted messages and each recipient's outcome in
 * five-minute buckets, and keeps the destinations that fail most with their last reply. It hears
 * the same reports as the metrics (the queue's events, the spool's commits) and forgets at
 * restart: the delivery history and Prometheus are where the long record is kept. Its memory is
 * fixed whatever the traffic.
 */
package dev.facteur.activity;

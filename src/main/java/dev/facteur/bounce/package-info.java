/**
 * Inbound bounces and complaints: reading them, and classifying what they say about each
 * recipient. {@link dev.facteur.bounce.ReportParser} takes a whole message and returns a sealed
 * {@link dev.facteur.bounce.Report}: a {@code Bounce} (a DSN, RFC 3464 in an RFC 6522
 * {@code multipart/report}, RFC 6533 for internationalized mail, or a failure notice in some
 * server's own words), a {@code Complaint} (an RFC 5965 feedback report, RFC 6591 for
 * authentication failures), an {@code AutoReply} (RFC 3834), or {@code NotAReport}. Each bounced
 * recipient gets a {@link dev.facteur.bounce.BounceClass} from its status code (RFC 3463), reply
 * code and text ({@link dev.facteur.bounce.BounceClassifier}); the returned message's header says
 * which message it was about.
 *
 * <p>Parsing is pure, bytes in and values out, bounded by {@link dev.facteur.bounce.ReportLimits},
 * and never throws. The package also holds what is decided from reports: the suppression rules
 * ({@link dev.facteur.bounce.Suppressions}, over a {@code store.SuppressionStore}), the signed
 * VERP return paths that tell which recipient a bounce is about ({@link dev.facteur.bounce.Verp}),
 * and the signed tokens of one-click unsubscribe links that tell who asked to stop
 * ({@link dev.facteur.bounce.UnsubscribeLinks}).
 */
package dev.facteur.bounce;

/**
 * The Sender Rewriting Scheme (SRS), as Shevek's paper describes it and libsrs2 and postsrsd
 * implement it: when Facteur forwards mail off-site, the reverse-path is rewritten into Facteur's
 * own domain ({@code SRS0=HHHH=TT=example.org=alice@fwd.example.net}), so that SPF at the next hop
 * checks Facteur rather than the original sender's domain; a bounce to that address comes back,
 * is checked (an HMAC and a day stamp) and goes on to the original sender. Nobody else can make
 * an address that Facteur decodes, so the scheme opens no relay.
 *
 * <p>The codec ({@link dev.facteur.auth.srs.Srs}) takes and gives the project's address values
 * and says what happened in sealed outcomes ({@link dev.facteur.auth.srs.Forwarded},
 * {@link dev.facteur.auth.srs.Reversed}); peer input never throws. It does no I/O but reading a
 * secrets file ({@link dev.facteur.auth.srs.SrsSecrets}). Addresses made by postsrsd with the same
 * secret decode here, and the reverse ({@code SrsInteropIT}).
 */
package dev.facteur.auth.srs;

/**
 * The client side of the Sendmail milter protocol (version 6), as Postfix speaks it, so that the
 * mail filters operators already run (rspamd, OpenDKIM, spamass-milter) can judge each stage of
 * an SMTP session and change the message at its end. {@link dev.facteur.milter.MilterClient} is
 * one connection to one filter; what the filter answers is a {@link dev.facteur.milter.Response},
 * what it changes a list of {@link dev.facteur.milter.Modification}s, and a filter that fails us a
 * {@link dev.facteur.milter.MilterException}, which the caller maps to its default action. The
 * protocol itself is described by libmilter's {@code mfdef.h} and Postfix's {@code milter8.c};
 * docs/milter.md says how the pieces fit.
 */
package dev.facteur.milter;

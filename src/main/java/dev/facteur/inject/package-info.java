/**
 * Mail injection, as Postfix calls handing a message in from the machine itself: the client of
 * the server's local submission socket ({@link dev.facteur.inject.LocalSubmission}), shared by
 * {@code facteur sendmail} and the HTTP injection API, and the API's own work without HTTP: its
 * requests ({@link dev.facteur.inject.RequestParser}), templates ({@link dev.facteur.inject.Template})
 * and the messages made of them ({@link dev.facteur.inject.Injection}). The HTTP side is
 * {@code admin.MessagesEndpoint}; the MIME writing is {@code mime.Composer}.
 */
package dev.facteur.inject;

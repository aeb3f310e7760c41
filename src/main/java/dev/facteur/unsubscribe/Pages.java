package dev.facteur.unsubscribe;

import dev.facteur.message.Mailbox;

/**
 * The few pages a person sees: the question a link opens (a GET asks, it does not act), the
 * answer after the button, and the page of a link that is not ours. Plain HTML with no script,
 * no image and nothing fetched from elsewhere; every value from a token is escaped.
 */
final class Pages {

    private Pages() {}

    /** The page of a GET: who is unsubscribed from what, and the button that POSTs to the same link. */
    static String question(Mailbox recipient, String senderDomain, String token) {
        return page("Unsubscribe", "<p>Stop sending mail from <b>" + escape(senderDomain) + "</b> to <b>" + escape(recipient.toString())
                + "</b>?</p>\n<form method=\"post\" action=\"" + escape(token) + "\">"
                + "<button type=\"submit\" name=\"confirm\" value=\"yes\">Unsubscribe</button></form>");
    }

    /** The page after the button. */
    static String done(Mailbox recipient, String senderDomain) {
        return page("Unsubscribed", "<p>" + escape(recipient.toString()) + " will get no more mail from " + escape(senderDomain) + ".</p>");
    }

    /** The answer to a mail client's one-click POST: text, nobody reads it but a log. */
    static String doneText(Mailbox recipient, String senderDomain) {
        return "Unsubscribed: " + recipient + " will get no more mail from " + senderDomain + ".\n";
    }

    /** For every link that is not ours and every other path: one page, so that nothing tells a forged token from a wrong path. */
    static String notFound() {
        return page("Not found", "<p>This unsubscribe link is not valid. Please use the link in the message you received.</p>");
    }

    /** The list could not be written: the client may try again. */
    static String unavailable() {
        return page("Try again later", "<p>Your request could not be recorded just now. Please try again in a few minutes.</p>");
    }

    private static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"robots\" content=\"noindex\">"
                + "<title>" + title + "</title>\n<style>body{font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em}"
                + "button{font-size:1.1em;padding:.5em 1.5em}</style></head>\n<body><h1>" + title + "</h1>\n" + body + "\n</body></html>\n";
    }

    /** Text in HTML, in an element or a quoted attribute. */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}

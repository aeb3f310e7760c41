package dev.facteur.auth.dkim;

/**
 * A Mail::DKIM corpus signature as today's RFCs would write it: v=1 (RFC 6376 §3.5) and
 * a=rsa-sha256 (RFC 8301) in place of the draft version and rsa-sha1 it carries. Its
 * cryptography no longer holds, but every other tag is the corpus's own, so what the case was
 * about (an i= in quoted-printable, a q= or c= Facteur does not know, a key record's flaw) can
 * still be checked.
 */
final class MailDkimToday {

    private MailDkimToday() {}

    static String rewrite(String field) {
        int colon = field.indexOf(':');
        String value = field.substring(colon + 1)
                .replaceAll("(^|;)(\\s*)v=[^;]*;?", "$1")
                .replaceAll("(^|;)(\\s*)a=\\s*rsa-sha1(\\s*)(;|$)", "$1$2a=rsa-sha256$3$4");
        return field.substring(0, colon + 1) + " v=1;" + value;
    }
}

package dev.facteur.policy.check;

import java.net.Inet4Address;

/**
 * Answers of DNS lists that report a problem with the query rather than a listing: Spamhaus
 * reserves 127.255.255.0/24 for them (2019), and other lists followed. Counting one as a listing
 * would refuse all mail while, say, the queries go through a public resolver.
 */
public final class ErrorCodes {

    private ErrorCodes() {}

    /** What the answer means when it is an error code, else null. */
    public static String meaning(Inet4Address answer) {
        byte[] b = answer.getAddress();
        if ((b[0] & 0xff) != 127 || (b[1] & 0xff) != 255 || (b[2] & 0xff) != 255) return null;
        return switch (b[3] & 0xff) {
            case 252 -> "the list's name is misspelt";
            case 254 -> "queries through a public or open resolver are refused";
            case 255 -> "too many queries";
            default -> "an error code of the list";
        };
    }
}

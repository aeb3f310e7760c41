package dev.facteur.milter;

/**
 * The Sendmail milter protocol's numbers, as libmilter's {@code mfdef.h} and Postfix's
 * {@code milter8.c} name them. Every packet is a 4-byte length (network order, counting the code
 * byte), a one-byte code and the code's data.
 */
final class Protocol {

    private Protocol() {}

    /** The version we speak and offer; a filter may answer with an older one. */
    static final int VERSION = 6;
    /** The oldest version whose negotiation we understand (libmilter from Sendmail 8.10). */
    static final int OLDEST_VERSION = 2;

    /** A body chunk's data at most: libmilter's MILTER_CHUNK_SIZE, the most a filter that negotiated no larger size reads. */
    static final int CHUNK = 65535;

    // Commands, MTA to filter (SMFIC_*)
    static final byte ABORT = 'A';
    static final byte BODY = 'B';
    static final byte CONNECT = 'C';
    static final byte MACRO = 'D';
    static final byte BODYEOB = 'E';
    static final byte HELO = 'H';
    static final byte QUIT_NC = 'K';
    static final byte HEADER = 'L';
    static final byte MAIL = 'M';
    static final byte EOH = 'N';
    static final byte OPTNEG = 'O';
    static final byte QUIT = 'Q';
    static final byte RCPT = 'R';
    static final byte DATA = 'T';

    // Replies, filter to MTA (SMFIR_*)
    static final byte ADDRCPT = '+';
    static final byte DELRCPT = '-';
    static final byte ADDRCPT_PAR = '2';
    static final byte SHUTDOWN = '4';
    static final byte ACCEPT = 'a';
    static final byte REPLBODY = 'b';
    static final byte CONTINUE = 'c';
    static final byte DISCARD = 'd';
    static final byte CHGFROM = 'e';
    static final byte ADDHEADER = 'h';
    static final byte INSHEADER = 'i';
    static final byte CHGHEADER = 'm';
    static final byte PROGRESS = 'p';
    static final byte QUARANTINE = 'q';
    static final byte REJECT = 'r';
    static final byte SKIP = 's';
    static final byte TEMPFAIL = 't';
    static final byte REPLYCODE = 'y';

    // Actions the filter may ask for (SMFIF_*): we offer them all
    static final int ADDHDRS = 0x01;
    static final int CHGBODY = 0x02;
    static final int ADDRCPTS = 0x04;
    static final int DELRCPTS = 0x08;
    static final int CHGHDRS = 0x10;
    static final int QUARANTINES = 0x20;
    static final int CHGFROMS = 0x40;
    static final int ADDRCPTS_PAR = 0x80;
    static final int SETSYMLIST = 0x100;
    static final int ALL_ACTIONS = 0x1FF;

    // Protocol steps (SMFIP_*): events the filter does not want, replies it will not send
    static final int NOCONNECT = 1;
    static final int NOHELO = 1 << 1;
    static final int NOMAIL = 1 << 2;
    static final int NORCPT = 1 << 3;
    static final int NOBODY = 1 << 4;
    static final int NOHDRS = 1 << 5;
    static final int NOEOH = 1 << 6;
    static final int NR_HDR = 1 << 7;
    static final int NOUNKNOWN = 1 << 8;
    static final int NODATA = 1 << 9;
    /** We understand SMFIR_SKIP. */
    static final int SKIPS = 1 << 10;
    /** The filter wants to see the recipients we refused too. */
    static final int RCPT_REJ = 1 << 11;
    static final int NR_CONN = 1 << 12;
    static final int NR_HELO = 1 << 13;
    static final int NR_MAIL = 1 << 14;
    static final int NR_RCPT = 1 << 15;
    static final int NR_DATA = 1 << 16;
    static final int NR_UNKN = 1 << 17;
    static final int NR_EOH = 1 << 18;
    static final int NR_BODY = 1 << 19;
    /** Header values go as they are, with the space after the colon; else that one space is eaten. */
    static final int HDR_LEADSPC = 1 << 20;

    /** What a version 6 MTA offers (Postfix's MILTER8_V6_PROTO_MASK). */
    static final int V6_STEPS = (1 << 21) - 1;
    /** The events a version 2 filter knows how to refuse. */
    static final int V2_EVENTS = NOCONNECT | NOHELO | NOMAIL | NORCPT | NOBODY | NOHDRS | NOEOH;

    // Address families in SMFIC_CONNECT (SMFIA_*)
    static final byte FAMILY_UNKNOWN = 'U';
    static final byte FAMILY_INET = '4';
    static final byte FAMILY_INET6 = '6';

    /** A code as the log shows it: its letter, or its number when it is no printable letter. */
    static String name(int code) {
        return code > 32 && code < 127 ? "'" + (char) code + "'" : "0x" + Integer.toHexString(code & 0xFF);
    }

    /** A command as the log names it: its SMFIC_ name. */
    static String command(byte code) {
        return switch (code) {
            case ABORT -> "SMFIC_ABORT";
            case BODY -> "SMFIC_BODY";
            case CONNECT -> "SMFIC_CONNECT";
            case MACRO -> "SMFIC_MACRO";
            case BODYEOB -> "SMFIC_BODYEOB";
            case HELO -> "SMFIC_HELO";
            case QUIT_NC -> "SMFIC_QUIT_NC";
            case HEADER -> "SMFIC_HEADER";
            case MAIL -> "SMFIC_MAIL";
            case EOH -> "SMFIC_EOH";
            case OPTNEG -> "SMFIC_OPTNEG";
            case QUIT -> "SMFIC_QUIT";
            case RCPT -> "SMFIC_RCPT";
            case DATA -> "SMFIC_DATA";
            default -> name(code);
        };
    }
}

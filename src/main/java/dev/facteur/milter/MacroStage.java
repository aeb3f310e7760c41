package dev.facteur.milter;

/**
 * The events that carry macros (Sendmail's "symbols"), numbered as in the negotiation, where a
 * version 6 filter may ask for its own list per stage (SMFIM_*).
 */
public enum MacroStage {
    CONNECT(0),
    HELO(1),
    /** SMFIM_ENVFROM. */
    MAIL(2),
    /** SMFIM_ENVRCPT. */
    RCPT(3),
    DATA(4),
    /** The end of the message, sent with the body chunks and the end itself. */
    EOM(5),
    /** The end of the header section, sent with the header fields too. */
    EOH(6);

    final int wire;

    MacroStage(int wire) {
        this.wire = wire;
    }

    /** The stage with this number, or null for one this protocol version does not define. */
    static MacroStage of(long wire) {
        for (MacroStage s : values()) if (s.wire == wire) return s;
        return null;
    }
}

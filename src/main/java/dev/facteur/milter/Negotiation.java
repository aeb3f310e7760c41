package dev.facteur.milter;

import dev.facteur.milter.MilterException.Kind;
import dev.facteur.milter.PacketReader.Packet;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What the filter agreed to in its SMFIC_OPTNEG answer: its protocol version, the actions it
 * may take (SMFIF_*), the protocol steps it asked for (SMFIP_*: events it does not want, replies
 * it will not send), and, in version 6, the macros it wants at each stage.
 */
record Negotiation(int version, int actions, int steps, Map<MacroStage, List<String>> macros) {

    /** Our opening: version 6, every action, every protocol step; data as the SMFIC_OPTNEG packet carries it. */
    static byte[] offer() {
        return new Commands.Payload().uint32(Protocol.VERSION).uint32(Protocol.ALL_ACTIONS).uint32(Protocol.V6_STEPS).toBytes();
    }

    /**
     * Reads the filter's answer as Postfix does: a newer version than ours, or an action we did
     * not offer, ends it; steps we did not offer (a larger body chunk size, say) are ignored; an
     * empty or unknown macro list leaves the stage's as configured.
     */
    static Negotiation read(Packet p) throws MilterException {
        if (p.code() != Protocol.OPTNEG)
            throw new MilterException(Kind.PROTOCOL, "reply " + Protocol.name(p.code()) + " to the option negotiation");
        byte[] d = p.data();
        if (d.length < 12) throw new MilterException(Kind.PROTOCOL, "option negotiation of " + d.length + " bytes, not 12 or more");
        long version = uint32(d, 0);
        long actions = uint32(d, 4);
        long steps = uint32(d, 8);
        if (version > Protocol.VERSION || version < Protocol.OLDEST_VERSION)
            throw new MilterException(Kind.PROTOCOL, "filter protocol version " + version + "; we speak 2 to " + Protocol.VERSION);
        if ((actions & ~Protocol.ALL_ACTIONS) != 0)
            throw new MilterException(Kind.PROTOCOL, "filter asks for actions 0x" + Long.toHexString(actions) + " beyond those offered");
        Map<MacroStage, List<String>> macros = new EnumMap<>(MacroStage.class);
        int pos = 12;
        while (pos < d.length) {
            if (d.length - pos < 5) throw new MilterException(Kind.PROTOCOL, "truncated macro list in the option negotiation");
            MacroStage stage = MacroStage.of(uint32(d, pos));
            int nul = pos + 4;
            while (nul < d.length && d[nul] != 0) nul++;
            if (nul == d.length) throw new MilterException(Kind.PROTOCOL, "macro list without its NUL in the option negotiation");
            String list = new String(Arrays.copyOfRange(d, pos + 4, nul), StandardCharsets.UTF_8);
            List<String> names = Arrays.stream(list.split("[ ,]+")).filter(s -> !s.isEmpty()).toList();
            if (stage != null && !names.isEmpty()) macros.put(stage, names);
            pos = nul + 1;
        }
        return new Negotiation((int) version, (int) actions, (int) steps & Protocol.V6_STEPS, Map.copyOf(macros));
    }

    /** Whether the filter set this SMFIP_* step. */
    boolean asked(int step) {
        return (steps & step) != 0;
    }

    /** Whether an event is left out: the filter asked not to see it, or its version does not know it. */
    boolean skips(int noSendStep) {
        return asked(noSendStep) || beyondVersion(noSendStep);
    }

    /**
     * Whether the filter's version does not know the event (DATA came in version 4): as Postfix,
     * we send it nothing of such an event, not even its macros, lest an older libmilter hang up.
     */
    boolean beyondVersion(int noSendStep) {
        return version < 4 && noSendStep == Protocol.NODATA;
    }

    private static long uint32(byte[] d, int at) {
        return ((d[at] & 0xFFL) << 24) | ((d[at + 1] & 0xFF) << 16) | ((d[at + 2] & 0xFF) << 8) | (d[at + 3] & 0xFF);
    }
}

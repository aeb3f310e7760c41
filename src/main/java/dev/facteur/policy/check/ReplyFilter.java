package dev.facteur.policy.check;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Which answers of a DNS list count, in postscreen's syntax: {@code d.d.d.d}, each {@code d} a
 * number or, in brackets, numbers and {@code n..m} ranges separated by {@code ;}. So
 * {@code 127.0.0.[2..11]} takes 127.0.0.2 to 127.0.0.11, and {@code 127.0.[0..255].[1;3;5..7]}
 * a few in each of 256 blocks.
 */
public final class ReplyFilter {

    private final String text;
    private final List<BitSet> octets;

    private ReplyFilter(String text, List<BitSet> octets) {
        this.text = text;
        this.octets = octets;
    }

    /** Throws IllegalArgumentException that says what is wrong in {@code text}. */
    public static ReplyFilter parse(String text) {
        List<BitSet> octets = new ArrayList<>(4);
        int i = 0;
        while (i <= text.length()) {
            int end;
            BitSet values = new BitSet(256);
            if (i < text.length() && text.charAt(i) == '[') {
                int close = text.indexOf(']', i);
                if (close < 0) throw new IllegalArgumentException("\"[\" without \"]\"");
                String inside = text.substring(i + 1, close);
                if (inside.isEmpty()) throw new IllegalArgumentException("\"[]\" matches nothing");
                for (String item : inside.split(";", -1)) {
                    int dots = item.indexOf("..");
                    int from = octet(dots < 0 ? item : item.substring(0, dots));
                    int to = dots < 0 ? from : octet(item.substring(dots + 2));
                    if (to < from) throw new IllegalArgumentException("range \"" + item + "\" goes backwards");
                    values.set(from, to + 1);
                }
                end = close + 1;
            } else {
                end = text.indexOf('.', i);
                if (end < 0) end = text.length();
                values.set(octet(text.substring(i, end)));
            }
            octets.add(values);
            if (end == text.length()) break;
            if (text.charAt(end) != '.') throw new IllegalArgumentException("\"" + text.charAt(end) + "\" where a dot should be");
            i = end + 1;
        }
        if (octets.size() != 4) throw new IllegalArgumentException("not four dot-separated parts like 127.0.0.[2..11]");
        return new ReplyFilter(text, List.copyOf(octets));
    }

    private static int octet(String s) {
        if (s.isEmpty() || s.length() > 3 || !s.chars().allMatch(c -> c >= '0' && c <= '9'))
            throw new IllegalArgumentException("\"" + s + "\" is not a number from 0 to 255");
        int v = Integer.parseInt(s);
        if (v > 255) throw new IllegalArgumentException("\"" + s + "\" is not a number from 0 to 255");
        return v;
    }

    public boolean matches(Inet4Address answer) {
        byte[] b = answer.getAddress();
        for (int i = 0; i < 4; i++) {
            if (!octets.get(i).get(b[i] & 0xff)) return false;
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReplyFilter f && f.octets.equals(octets);
    }

    @Override
    public int hashCode() {
        return octets.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}

package dev.facteur.auth.srs;

import java.time.Instant;
import java.util.Optional;

/**
 * The SRS0 time stamp: the day (UTC days since the epoch) modulo 1024, written as two base32
 * characters of libsrs2's alphabet ({@code A-Z2-7}, most significant first). It wraps every
 * 1024 days (about 2.8 years), so an age is always read as the days since the last time the
 * stamp's day came round: a stamp from "tomorrow" is read as 1023 days old, and expired, as
 * libsrs2 and Mail::SRS read it. Only our own clock going back could make one.
 */
record DayStamp(int slot) {

    static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    static final int SLOTS = 1024;          // 2 characters of 5 bits
    private static final long SECONDS_A_DAY = 86_400;

    DayStamp {
        if (slot < 0 || slot >= SLOTS) throw new IllegalArgumentException("slot " + slot);
    }

    static DayStamp of(Instant t) {
        return new DayStamp((int) Math.floorMod(Math.floorDiv(t.getEpochSecond(), SECONDS_A_DAY), SLOTS));
    }

    /** Reads two characters of the alphabet, either case (mailers may change it); anything else is not a stamp. */
    static Optional<DayStamp> parse(String text) {
        if (text.length() != 2) return Optional.empty();
        int high = value(text.charAt(0));
        int low = value(text.charAt(1));
        if (high < 0 || low < 0) return Optional.empty();
        return Optional.of(new DayStamp(high << 5 | low));
    }

    /** The character's 5 bits, or -1. ASCII only: Character.toUpperCase would turn a dotless ı into I. */
    private static int value(char c) {
        if (c >= 'a' && c <= 'z') c = (char) (c - ('a' - 'A'));
        return ALPHABET.indexOf(c);
    }

    String text() {
        return "" + ALPHABET.charAt(slot >> 5) + ALPHABET.charAt(slot & 31);
    }

    /** Days from this stamp to {@code today}'s, 0 to 1023: a stamp is always taken to be from the past. */
    int ageOn(DayStamp today) {
        return Math.floorMod(today.slot - slot, SLOTS);
    }
}

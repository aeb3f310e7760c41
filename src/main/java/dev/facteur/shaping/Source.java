package dev.facteur.shaping;

import java.net.InetAddress;
import java.time.LocalDate;

/**
 * One local address mail may leave from, with the name it says in EHLO (which must be the name
 * its PTR record gives, and resolve back to it) and the pool it belongs to.
 *
 * @param warmingFrom the first day of its warm-up (a new address gets a small hourly budget that
 *                    grows day by day, {@link WarmUp}), or null for an address already warm
 */
public record Source(String pool, InetAddress address, String helo, LocalDate warmingFrom) {

    @Override
    public String toString() {
        return address.getHostAddress() + " (" + helo + ")";
    }
}

package dev.facteur.doctor;

import java.net.InetAddress;

/** An address mail leaves from, as receivers see it, and the name said in EHLO from it. */
public record Sender(InetAddress address, String helo) {}

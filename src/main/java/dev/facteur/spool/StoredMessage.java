package dev.facteur.spool;

import dev.facteur.message.Envelope;

/** A message as the spool knows it: its envelope and the size of its content in bytes. */
public record StoredMessage(Envelope envelope, long size) {}

package dev.facteur.shaping;

import java.time.Instant;

/** The shaper's answer before a message is sent: go ahead with a {@link Permit}, or {@link Wait}. */
public sealed interface Admission permits Permit, Wait {}

package dev.facteur.shaping;

/** The shaper's answer before a new connection is opened: go ahead with a {@link Lease}, or {@link Wait}. */
public sealed interface Opening permits Lease, Wait {}

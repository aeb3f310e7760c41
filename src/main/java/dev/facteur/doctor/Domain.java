package dev.facteur.doctor;

/**
 * A domain the checks are about.
 *
 * @param local whether its mail comes here ({@code [local] domains}, or the hostname when there are
 *              none); otherwise it only sends through us (a DKIM signing domain)
 */
public record Domain(String name, boolean local) {}

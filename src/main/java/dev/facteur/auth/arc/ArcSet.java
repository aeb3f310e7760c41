package dev.facteur.auth.arc;

import java.util.List;

/**
 * One ARC set (RFC 8617 §4.2): the three fields one sealer added, sharing an instance. The message
 * signature is kept as written: only the newest one has to read (§5.2 step 4), so an older one
 * that does not is no reason to refuse the set.
 *
 * @param messageSignature the ARC-Message-Signature field, name and CRLF included
 */
record ArcSet(int instance, ArcAuthenticationResults results, String messageSignature, ArcSeal seal) {

    /** The set's fields in the order a seal signs them (§5.1.1). */
    List<String> fields() {
        return List.of(results.field(), messageSignature, seal.field());
    }
}

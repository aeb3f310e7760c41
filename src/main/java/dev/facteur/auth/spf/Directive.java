package dev.facteur.auth.spf;

/** §4.6.2: a mechanism with its qualifier, and the term as the record wrote it (for logs and headers). */
record Directive(Qualifier qualifier, Mechanism mechanism, String term) {}

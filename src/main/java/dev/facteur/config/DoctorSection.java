package dev.facteur.config;

import dev.facteur.doctor.DoctorSettings;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;

/** Reads {@code [doctor]}: the public addresses {@code facteur doctor} checks when the server is behind NAT (docs/doctor.md). */
final class DoctorSection {

    private DoctorSection() {}

    static DoctorSettings read(Table t) throws ConfigException {
        List<InetAddress> addresses = t.list("public_addresses", List.of(), DoctorSection::literal);
        if (new HashSet<>(addresses).size() < addresses.size()) t.fail("public_addresses", "names an address twice");
        t.finish();
        return new DoctorSettings(addresses);
    }

    /** An IP address as written, never a name: the doctor asks DNS about addresses, not the other way round. */
    private static InetAddress literal(String s) {
        try {
            return InetAddress.ofLiteral(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an IP address: " + s);
        }
    }
}

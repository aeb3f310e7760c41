package dev.facteur.doctor;

import java.net.InetAddress;
import java.util.List;

/**
 * {@code [doctor]}: what {@code facteur doctor} cannot find out by itself.
 *
 * @param publicAddresses the addresses the rest of the Internet sees mail come from, when they are
 *                        not those of {@code [[delivery.sources]]} or of the hostname (a server
 *                        behind NAT); empty: none given. The first one that is an address of this
 *                        machine is also where the real open-relay test connects from.
 */
public record DoctorSettings(List<InetAddress> publicAddresses) {

    public static final DoctorSettings DEFAULT = new DoctorSettings(List.of());

    public DoctorSettings {
        publicAddresses = List.copyOf(publicAddresses);
    }
}

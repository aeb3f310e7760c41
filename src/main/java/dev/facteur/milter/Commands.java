package dev.facteur.milter;

import java.io.ByteArrayOutputStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The data of the commands we send, as libmilter reads them: NUL-terminated strings, numbers in network order. */
final class Commands {

    private Commands() {}

    /**
     * SMFIC_CONNECT: the client's name (as Postfix, {@code [address]} when it has none it can
     * trust), its address family, port and address; only the family ({@code U}) when unknown.
     */
    static byte[] connect(String hostname, InetSocketAddress client) {
        Payload p = new Payload().string(hostname);
        if (client == null || client.getAddress() == null) return p.octet(Protocol.FAMILY_UNKNOWN).toBytes();
        boolean v6 = client.getAddress() instanceof Inet6Address;
        return p.octet(v6 ? Protocol.FAMILY_INET6 : Protocol.FAMILY_INET).uint16(client.getPort())
                .string(client.getAddress().getHostAddress()).toBytes();
    }

    /** One string (HELO). */
    static byte[] string(String s) {
        return new Payload().string(s).toBytes();
    }

    /** SMFIC_MAIL, SMFIC_RCPT: the address in angle brackets, then each ESMTP parameter, each its own string. */
    static byte[] path(String path, List<String> parameters) {
        Payload p = new Payload().string(path);
        for (String a : parameters) p.string(a);
        return p.toBytes();
    }

    /** SMFIC_MACRO: the command the macros go with, then name and value strings. */
    static byte[] macros(byte command, List<String> namesAndValues) {
        Payload p = new Payload().octet(command);
        for (String s : namesAndValues) p.string(s);
        return p.toBytes();
    }

    /** SMFIC_HEADER: name and value, message bytes as they are. */
    static byte[] header(byte[] name, byte[] value) {
        return new Payload().bytes(name).octet(0).bytes(value).octet(0).toBytes();
    }

    /** Builds a packet's data. */
    static final class Payload {
        private final ByteArrayOutputStream b = new ByteArrayOutputStream(64);

        /** UTF-8, then a NUL. A NUL inside would end the string early: such text is not ours to send. */
        Payload string(String s) {
            if (s.indexOf('\0') >= 0) throw new IllegalArgumentException("NUL in a milter string: " + s.replace('\0', '@'));
            return bytes(s.getBytes(StandardCharsets.UTF_8)).octet(0);
        }

        Payload bytes(byte[] bytes) {
            b.writeBytes(bytes);
            return this;
        }

        Payload octet(int v) {
            b.write(v);
            return this;
        }

        Payload uint16(int v) {
            return octet(v >>> 8).octet(v);
        }

        Payload uint32(long v) {
            return octet((int) (v >>> 24)).octet((int) (v >>> 16)).octet((int) (v >>> 8)).octet((int) v);
        }

        byte[] toBytes() {
            return b.toByteArray();
        }
    }
}

package dev.facteur.dns;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * Where DNSSEC validation starts (RFC 4033 §3.1, "trust anchors"): DS or DNSKEY records in
 * zone-file form, the root's by default, a test zone's in tests.
 *
 * @param source  where they come from, for messages: a file, or the built-in root anchors
 * @param records the DS and DNSKEY records, in zone-file form with absolute names
 */
public record TrustAnchors(String source, List<String> records) {

    /** The built-in file, beside this class. */
    private static final String ROOT_RESOURCE = "root-anchors.zone";

    public TrustAnchors {
        if (records.isEmpty()) throw new IllegalArgumentException(source + ": no DS or DNSKEY record in it");
        records = List.copyOf(records);
    }

    /** The root zone's anchors as IANA publishes them (see {@code root-anchors.zone} for which, and why both). */
    public static TrustAnchors root() {
        try (InputStream in = TrustAnchors.class.getResourceAsStream(ROOT_RESOURCE)) {
            if (in == null) throw new IllegalStateException(ROOT_RESOURCE + " is missing from the class path");
            return parse(new String(in.readAllBytes(), StandardCharsets.US_ASCII), "the built-in root anchors");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The anchors of a zone file of DS and DNSKEY records; other records are refused, so that a wrong file is noticed. */
    public static TrustAnchors read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.US_ASCII), file.toString());
    }

    /**
     * @throws IOException              when the text is not a zone file
     * @throws IllegalArgumentException when it holds something other than DS and DNSKEY records, or none
     */
    public static TrustAnchors parse(String zoneFile, String source) throws IOException {
        var anchors = new ArrayList<String>();
        // no TTL needed: an anchor is kept for as long as it is configured (dnsjava reads its own file with 0 too)
        try (Master master = new Master(new ByteArrayInputStream(zoneFile.getBytes(StandardCharsets.US_ASCII)), Name.root, 0)) {
            for (Record r = master.nextRecord(); r != null; r = master.nextRecord()) {
                if (r.getType() != Type.DS && r.getType() != Type.DNSKEY)
                    throw new IllegalArgumentException(source + ": " + Type.string(r.getType()) + " " + r.getName()
                            + " is not a trust anchor (only DS and DNSKEY records are)");
                anchors.add(r.toString());
            }
        } catch (IOException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
        return new TrustAnchors(source, anchors);
    }

    /** The records as one zone file, as dnsjava's validator loads them. */
    InputStream asZoneFile() {
        return new ByteArrayInputStream((String.join("\n", records) + "\n").getBytes(StandardCharsets.US_ASCII));
    }
}

package dev.facteur.autoconfig;

import java.util.ArrayList;
import java.util.List;

/**
 * What a mail client needs to know to send (and, when configured, to read) mail for a domain:
 * the submission server, its ports and their TLS, and the IMAP server. Written as DNS SRV records
 * (RFC 6186, RFC 8314 §5.1) and as Thunderbird's autoconfig file.
 *
 * @param hostname       the submission server's name (the certificate's)
 * @param submissionPort port of STARTTLS submission (587 style), 0 for none
 * @param submissionsPort port of implicit-TLS submission (465 style), 0 for none
 * @param imap           the IMAP server over TLS ({@code host:993} style), or null when none is published
 * @param displayName    what the client shows for the provider
 */
public record ClientSetup(String hostname, int submissionPort, int submissionsPort, Imap imap, String displayName) {

    /** An IMAP server with implicit TLS. */
    public record Imap(String host, int port) {}

    /** RFC 6186 §3 and RFC 8314 §5.1: implicit TLS preferred (priority 0) over STARTTLS (priority 10). */
    public List<String> srvRecords(String domain) {
        List<String> out = new ArrayList<>();
        String host = hostname.endsWith(".") ? hostname : hostname + ".";
        if (submissionsPort > 0) out.add("_submissions._tcp." + domain + ". 3600 IN SRV 0 1 " + submissionsPort + " " + host);
        if (submissionPort > 0) out.add("_submission._tcp." + domain + ". 3600 IN SRV 10 1 " + submissionPort + " " + host);
        if (imap != null) out.add("_imaps._tcp." + domain + ". 3600 IN SRV 0 1 " + imap.port() + " " + imap.host() + ".");
        return out;
    }

    /** Thunderbird's {@code config-v1.1.xml} for {@code domain}: the login is the whole address. */
    public String autoconfigXml(String domain) {
        StringBuilder x = new StringBuilder();
        x.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.append("<clientConfig version=\"1.1\">\n");
        x.append("  <emailProvider id=\"").append(escape(domain)).append("\">\n");
        x.append("    <domain>").append(escape(domain)).append("</domain>\n");
        x.append("    <displayName>").append(escape(displayName == null || displayName.isBlank() ? domain : displayName)).append("</displayName>\n");
        x.append("    <displayShortName>").append(escape(domain)).append("</displayShortName>\n");
        if (imap != null) server(x, "incomingServer", "imap", imap.host(), imap.port(), "SSL");
        if (submissionsPort > 0) server(x, "outgoingServer", "smtp", hostname, submissionsPort, "SSL");
        if (submissionPort > 0) server(x, "outgoingServer", "smtp", hostname, submissionPort, "STARTTLS");
        x.append("  </emailProvider>\n");
        x.append("</clientConfig>\n");
        return x.toString();
    }

    private static void server(StringBuilder x, String element, String type, String host, int port, String socketType) {
        x.append("    <").append(element).append(" type=\"").append(type).append("\">\n");
        x.append("      <hostname>").append(escape(host)).append("</hostname>\n");
        x.append("      <port>").append(port).append("</port>\n");
        x.append("      <socketType>").append(socketType).append("</socketType>\n");
        x.append("      <authentication>password-cleartext</authentication>\n"); // PLAIN or LOGIN, over TLS
        x.append("      <username>%EMAILADDRESS%</username>\n");
        x.append("    </").append(element).append(">\n");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}

package dev.facteur.autoconfig;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** What mail clients are told: RFC 6186 SRV records and Thunderbird's config-v1.1.xml. */
class ClientSetupTest {

    private final ClientSetup setup = new ClientSetup("mx.example.org", 587, 465, new ClientSetup.Imap("imap.example.org", 993),
            "Example & Co");

    @Test
    void srvRecordsPreferImplicitTls() { // RFC 8314 §5.1
        assertThat(setup.srvRecords("example.org")).containsExactly(
                "_submissions._tcp.example.org. 3600 IN SRV 0 1 465 mx.example.org.",
                "_submission._tcp.example.org. 3600 IN SRV 10 1 587 mx.example.org.",
                "_imaps._tcp.example.org. 3600 IN SRV 0 1 993 imap.example.org.");
        assertThat(new ClientSetup("mx.example.org", 587, 0, null, "").srvRecords("example.org"))
                .containsExactly("_submission._tcp.example.org. 3600 IN SRV 10 1 587 mx.example.org.");
    }

    @Test
    void theAutoconfigFileIsWellFormedAndSaysWhereToSend() throws Exception {
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(setup.autoconfigXml("example.org").getBytes(StandardCharsets.UTF_8)));
        var xpath = XPathFactory.newInstance().newXPath();
        assertThat(xpath.evaluate("/clientConfig/@version", doc)).isEqualTo("1.1");
        assertThat(xpath.evaluate("/clientConfig/emailProvider/domain", doc)).isEqualTo("example.org");
        assertThat(xpath.evaluate("/clientConfig/emailProvider/displayName", doc)).isEqualTo("Example & Co");
        assertThat(xpath.evaluate("/clientConfig/emailProvider/outgoingServer[1]/port", doc)).isEqualTo("465");
        assertThat(xpath.evaluate("/clientConfig/emailProvider/outgoingServer[1]/socketType", doc)).isEqualTo("SSL");
        assertThat(xpath.evaluate("/clientConfig/emailProvider/outgoingServer[2]/socketType", doc)).isEqualTo("STARTTLS");
        assertThat(xpath.evaluate("/clientConfig/emailProvider/outgoingServer[2]/username", doc)).isEqualTo("%EMAILADDRESS%");
        assertThat(xpath.evaluate("/clientConfig/emailProvider/incomingServer[@type='imap']/hostname", doc)).isEqualTo("imap.example.org");
    }
}

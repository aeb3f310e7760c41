package dev.facteur.auth.spf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.DnsJavaResolver;
import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.ExternalProcess;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Facteur's SPF and pyspf (Debian python3-spf, the suite's reference implementation) on the same
 * policies, served by a private dnsmasq on loopback: for each case both must give the result the
 * case expects (so that a DNS set-up mistake cannot make them agree on nothing), and the same
 * explanation where the domain gives one. Every address, client or record, is loopback.
 */
class SpfInteropIT {

    private static final String CLIENT = "127.0.0.5";

    /** The zone: spf.test, and reverse names under 127.in-addr.arpa. */
    private static final List<String> ZONE = List.of(
            "local=/spf.test/",
            "local=/127.in-addr.arpa/",
            "local-ttl=60",
            txt("pass.spf.test", "v=spf1 ip4:127.0.0.0/24 -all"),
            txt("fail.spf.test", "v=spf1 ip4:127.0.1.0/24 -all"),
            txt("softfail.spf.test", "v=spf1 ip4:127.0.1.0/24 ~all"),
            txt("neutral.spf.test", "v=spf1 ip4:127.0.1.0/24"),
            txt("include.spf.test", "v=spf1 include:inner.spf.test -all"),
            txt("inner.spf.test", "v=spf1 ip4:127.0.0.5 -all"),
            txt("include-none.spf.test", "v=spf1 include:norecord.spf.test -all"),
            "host-record=norecord.spf.test,127.0.3.1",
            txt("redirect.spf.test", "v=spf1 ip4:127.0.1.1 redirect=target.spf.test"),
            txt("target.spf.test", "v=spf1 a:host.spf.test -all"),
            "host-record=host.spf.test,127.0.0.5",
            txt("mx.spf.test", "v=spf1 mx -all"),
            "mx-host=mx.spf.test,mx1.spf.test,10",
            "mx-host=mx.spf.test,mx2.spf.test,20",
            "host-record=mx1.spf.test,127.0.2.1",
            "host-record=mx2.spf.test,127.0.0.5",
            txt("cidr.spf.test", "v=spf1 a:net.spf.test/24 -all"),
            "host-record=net.spf.test,127.0.0.200",
            txt("exists.spf.test", "v=spf1 exists:%{ir}.%{l}.list.%{d} -all"),
            "host-record=5.0.0.127.alice.list.exists.spf.test,127.0.0.2",
            txt("ptr.spf.test", "v=spf1 ptr -all"),
            "host-record=mail.ptr.spf.test,127.0.0.77",                    // and the PTR of 127.0.0.77 back to it
            "ptr-record=78.0.0.127.in-addr.arpa,forged.ptr.spf.test",
            "host-record=forged.ptr.spf.test,127.0.0.79",                  // does not confirm 127.0.0.78
            txt("syntax.spf.test", "v=spf1 ip4:127.0.0.5/33 -all"),
            txt("unknown.spf.test", "v=spf1 foo:bar -all"),
            txt("void3.spf.test", "v=spf1 a:nx1.spf.test a:nx2.spf.test a:nx3.spf.test -all"),
            txt("void2.spf.test", "v=spf1 a:nx1.spf.test a:nx2.spf.test ?all"),
            txt("limit.spf.test", "v=spf1 a a a a a a a a a a a ip4:127.0.0.5 -all"),
            "host-record=limit.spf.test,127.0.9.9",
            txt("multi.spf.test", "v=spf1 -all"),
            txt("multi.spf.test", "v=spf1 +all"),
            txt("nospf.spf.test", "site-verification=abc"),
            "txt-record=split.spf.test,\"v=spf1 ip4:127.0.0.5\",\" -all\"", // two strings, joined without a space
            txt("v6.spf.test", "v=spf1 a -all"),
            "host-record=v6.spf.test,::1",
            txt("exp.spf.test", "v=spf1 ip4:127.0.1.1 exp=why.exp.spf.test -all"),
            txt("why.exp.spf.test", "%{i} is not one of %{d}'s hosts, %{l}"));

    private static String txt(String name, String text) {
        return "txt-record=" + name + ",\"" + text + "\"";
    }

    /** A check and the result it must have. */
    private record Case(String ip, String domain, String expected) {
        String sender() {
            return "alice@" + domain;
        }
    }

    private static final List<Case> CASES = List.of(
            new Case(CLIENT, "pass.spf.test", "pass"),
            new Case(CLIENT, "fail.spf.test", "fail"),
            new Case(CLIENT, "softfail.spf.test", "softfail"),
            new Case(CLIENT, "neutral.spf.test", "neutral"),
            new Case(CLIENT, "include.spf.test", "pass"),
            new Case("127.0.0.6", "include.spf.test", "fail"),
            new Case(CLIENT, "include-none.spf.test", "permerror"),
            new Case(CLIENT, "redirect.spf.test", "pass"),
            new Case(CLIENT, "mx.spf.test", "pass"),
            new Case("127.0.2.2", "mx.spf.test", "fail"),
            new Case(CLIENT, "cidr.spf.test", "pass"),
            new Case("127.0.1.5", "cidr.spf.test", "fail"),
            new Case(CLIENT, "exists.spf.test", "pass"),
            new Case("127.0.0.6", "exists.spf.test", "fail"),
            new Case("127.0.0.77", "ptr.spf.test", "pass"),
            new Case("127.0.0.78", "ptr.spf.test", "fail"),
            new Case(CLIENT, "syntax.spf.test", "permerror"),
            new Case(CLIENT, "unknown.spf.test", "permerror"),
            new Case(CLIENT, "void3.spf.test", "permerror"),
            new Case(CLIENT, "void2.spf.test", "neutral"),
            new Case(CLIENT, "limit.spf.test", "permerror"),
            new Case(CLIENT, "multi.spf.test", "permerror"),
            new Case(CLIENT, "nospf.spf.test", "none"),
            new Case(CLIENT, "nx.spf.test", "none"),
            new Case(CLIENT, "split.spf.test", "pass"),
            new Case("::1", "v6.spf.test", "pass"),
            new Case(CLIENT, "v6.spf.test", "fail"),
            new Case(CLIENT, "exp.spf.test", "fail"));

    private static Dnsmasq dnsmasq;
    private static Spf spf;

    @BeforeAll
    static void startDns() throws Exception {
        dnsmasq = Dnsmasq.start(ZONE);
        var resolver = new DnsJavaResolver(List.of(dnsmasq.hostPort()), Duration.ofSeconds(2), 1);
        spf = new Spf(resolver, SpfSettings.of("receiver.spf.test"));
    }

    @AfterAll
    static void stopDns() {
        if (dnsmasq != null) dnsmasq.close();
    }

    /** pyspf's own choice when both are installed (python3-spf depends on both). */
    @Test
    void facteurAndPyspfOnDnspythonAgree() throws Exception {
        compareWith("dnspython");
    }

    @Test
    void facteurAndPyspfOnPydnsAgree() throws Exception {
        compareWith("pydns");
    }

    private void compareWith(String backend) throws Exception {
        var json = new JsonMapper();
        List<Map<String, String>> input = CASES.stream().map(c -> Map.of("ip", c.ip(), "sender", c.sender(), "helo", "helo.spf.test")).toList();
        JsonNode pyspf = ExternalProcess.python("/dev/facteur/auth/spf/pyspf_check.py", backend, dnsmasq.address(),
                Integer.toString(dnsmasq.port()), json.writeValueAsString(input));
        JsonNode theirs = pyspf.get("results");
        assertThat(theirs).hasSize(CASES.size());

        var table = new ArrayList<String>();
        var wrong = new ArrayList<String>();
        for (int i = 0; i < CASES.size(); i++) {
            Case c = CASES.get(i);
            SpfResult ours = spf.checkMailFrom(InetAddress.ofLiteral(c.ip()), c.sender(), "helo.spf.test").result();
            String pyResult = theirs.get(i).get("result").asString();
            String line = String.format("%-22s %-10s expected %-9s facteur %-9s pyspf %s", c.domain(), c.ip(), c.expected(), ours.keyword(), pyResult);
            table.add(line);
            if (!ours.keyword().equals(c.expected()) || !pyResult.equals(c.expected())) wrong.add(line + "   (facteur: " + ours + ")");
            if (ours instanceof SpfResult.Fail fail && c.domain().equals("exp.spf.test")) {
                assertThat(fail.explanation()).isEqualTo("127.0.0.5 is not one of exp.spf.test's hosts, alice")
                        .isEqualTo(theirs.get(i).get("explanation").asString());
            }
        }
        System.out.println("SPF interop with pyspf (" + pyspf.get("backend").asString() + "), " + CASES.size() + " cases:\n  "
                + String.join("\n  ", table));
        assertThat(wrong).as("cases where Facteur or pyspf gave another result").isEmpty();
    }
}

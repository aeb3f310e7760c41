package dev.facteur.policy.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.policy.Verdict;
import dev.facteur.smtp.Reply;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client's address in DNS lists, scored as postscreen scores it. */
class DnsListCheckTest {

    /** 192.0.2.1, as lists are asked about it. */
    private static final String CLIENT = "1.2.0.192";

    private final FakeDnsResolver dns = new FakeDnsResolver();

    private DnsListSettings settings(int threshold, Action action, OnDnsFailure onFailure, String... lists) {
        return new DnsListSettings(List.of(lists).stream().map(DnsList::parse).toList(), threshold, 0, action, onFailure,
                Duration.ofSeconds(5), Map.of());
    }

    private Verdict connect(DnsListSettings s) {
        return connect(s, "192.0.2.1");
    }

    private Verdict connect(DnsListSettings s, String client) {
        return Dialogue.of(client, new DnsListCheck(dns, s)).connect();
    }

    @Test
    void aListedClientIsRejectedWithTheListNamedInTheReply() { // as Postfix's reject_rbl_client words it
        dns.withAddresses(CLIENT + ".bl.example", "127.0.0.2");
        assertThat(connect(DnsListSettings.of(List.of("bl.example")))).isEqualTo(new Verdict.Reject(
                new Reply(554, "5.7.1", "Service unavailable; client [192.0.2.1] blocked using bl.example"),
                "score 1, threshold 1: bl.example answered 127.0.0.2"));
        assertThat(dns.asked()).containsExactly("A " + CLIENT + ".bl.example");
    }

    @Test
    void aClientNoListKnowsPasses() { // NXDOMAIN: not listed (RFC 5782 §2.1)
        assertThat(connect(DnsListSettings.of(List.of("bl.example", "other.example")))).isEqualTo(Verdict.DUNNO);
    }

    @Test
    void weightsAddUpAgainstTheThreshold() { // postscreen_dnsbl_threshold: inclusive
        dns.withAddresses(CLIENT + ".one.example", "127.0.0.2").withAddresses(CLIENT + ".two.example", "127.0.0.2");
        assertThat(connect(settings(3, Action.REJECT, OnDnsFailure.IGNORE, "one.example*2", "three.example"))).isEqualTo(Verdict.DUNNO);
        assertThat(connect(settings(3, Action.REJECT, OnDnsFailure.IGNORE, "one.example*2", "two.example"))).isInstanceOfSatisfying(
                Verdict.Reject.class, r -> assertThat(r.reply().lines().getFirst()).endsWith("blocked using one.example, two.example"));
    }

    @Test
    void anAllowListBringsTheScoreUnderTheThreshold() {
        dns.withAddresses(CLIENT + ".zen.example", "127.0.0.4").withAddresses(CLIENT + ".wl.example", "127.0.10.2");
        String[] lists = {"zen.example*3", "wl.example=127.0.[0..255].[1..255]*-2"};
        assertThat(connect(settings(2, Action.REJECT, OnDnsFailure.IGNORE, lists))).isEqualTo(Verdict.DUNNO);
        assertThat(connect(settings(1, Action.REJECT, OnDnsFailure.IGNORE, lists))).as("3 - 2 = 1, still at the threshold")
                .isInstanceOfSatisfying(Verdict.Reject.class, r -> assertThat(r.reply().lines().getFirst())
                        .as("only the lists that listed it").endsWith("blocked using zen.example"));
    }

    @Test
    void aScoreAtOrBelowTheAllowThresholdAcceptsTheClientForTheStage() { // postscreen_dnsbl_allowlist_threshold
        dns.withAddresses(CLIENT + ".wl.example", "127.0.10.2");
        var lists = List.of(DnsList.parse("bl.example"), DnsList.parse("wl.example*-2"));
        var allow = new DnsListSettings(lists, 1, -2, Action.REJECT, OnDnsFailure.IGNORE, Duration.ofSeconds(5), Map.of());
        assertThat(connect(allow)).isInstanceOf(Verdict.Accept.class);
        var stricter = new DnsListSettings(lists, 1, -3, Action.REJECT, OnDnsFailure.IGNORE, Duration.ofSeconds(5), Map.of());
        assertThat(connect(stricter)).isEqualTo(Verdict.DUNNO);
    }

    @Test
    void aFilterCountsOnlyTheAnswersItNames() {
        dns.withAddresses(CLIENT + ".zen.example", "127.0.0.10");
        assertThat(connect(settings(1, Action.REJECT, OnDnsFailure.IGNORE, "zen.example=127.0.0.[2..3]"))).isEqualTo(Verdict.DUNNO);
        assertThat(connect(settings(1, Action.REJECT, OnDnsFailure.IGNORE, "zen.example=127.0.0.[2..3;10..11]")))
                .isInstanceOf(Verdict.Reject.class);
    }

    @Test
    void severalEntriesForOneZoneAskItOnceAndEachAddsItsWeight() { // as postscreen: zen's SBL and PBL answers weigh differently
        dns.withAddresses(CLIENT + ".zen.example", "127.0.0.2", "127.0.0.10");
        var s = settings(4, Action.REJECT, OnDnsFailure.IGNORE, "zen.example=127.0.0.2*3", "zen.example=127.0.0.[10..11]*1",
                "zen.example=127.0.0.4*5");
        assertThat(connect(s)).isInstanceOfSatisfying(Verdict.Reject.class, r -> {
            assertThat(r.why()).startsWith("score 4,");
            assertThat(r.reply().lines().getFirst()).endsWith("blocked using zen.example");
        });
        assertThat(dns.asked()).containsExactly("A " + CLIENT + ".zen.example");
    }

    @Test
    void aPlainListCountsOnlyAnswersIn127Slash8() { // a list that answers everything else has likely gone
        dns.withAddresses(CLIENT + ".gone.example", "192.0.2.99");
        try (var log = LogCapture.attach("facteur.policy")) {
            assertThat(connect(DnsListSettings.of(List.of("gone.example")))).isEqualTo(Verdict.DUNNO);
            assertThat(log.warnings()).singleElement().asString().contains("gone.example answered 192.0.2.99").contains("outside 127.0.0.0/8");
        }
    }

    @Test
    void errorCodesAreNeverAListingAndAreLogged() { // Spamhaus: 127.255.255.252..255 say the query was refused
        for (String code : List.of("127.255.255.252", "127.255.255.254", "127.255.255.255")) {
            var fresh = new FakeDnsResolver().withAddresses(CLIENT + ".zen.example", code);
            try (var log = LogCapture.attach("facteur.policy")) {
                var s = settings(1, Action.REJECT, OnDnsFailure.IGNORE, "zen.example", "zen.example=127.[0..255].[0..255].[0..255]");
                assertThat(Dialogue.of("192.0.2.1", new DnsListCheck(fresh, s)).connect()).as(code).isEqualTo(Verdict.DUNNO);
                assertThat(log.warnings()).as(code).singleElement().asString()
                        .contains("zen.example answered " + code).contains("an error code").contains("not a listing");
            }
        }
        try (var log = LogCapture.attach("facteur.policy")) {
            dns.withAddresses(CLIENT + ".zen.example", "127.255.255.254");
            connect(DnsListSettings.of(List.of("zen.example")));
            assertThat(log.warnings()).singleElement().asString().contains("queries through a public or open resolver are refused");
        }
    }

    @Test
    void anIpv6ClientIsLookedUpInNibbles() { // RFC 5782 §2.4
        dns.withAddresses("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.example", "127.0.0.2");
        assertThat(connect(DnsListSettings.of(List.of("bl.example")), "2001:db8:1:2:3:4:567:89ab")).isInstanceOfSatisfying(
                Verdict.Reject.class, r -> assertThat(r.reply().lines().getFirst()).contains("client [2001:db8:1:2:3:4:567:89ab]"));
    }

    @Test
    void deferAndTagAreTheOtherActions() {
        dns.withAddresses(CLIENT + ".bl.example", "127.0.0.2");
        assertThat(connect(settings(1, Action.DEFER, OnDnsFailure.IGNORE, "bl.example"))).isInstanceOfSatisfying(Verdict.Defer.class,
                d -> assertThat(d.reply()).isEqualTo(new Reply(450, "4.7.1", "Service unavailable; client [192.0.2.1] blocked using bl.example")));
        assertThat(connect(settings(1, Action.TAG, OnDnsFailure.IGNORE, "bl.example"))).isInstanceOfSatisfying(Verdict.AddHeader.class,
                h -> assertThat(h.field()).isEqualTo("X-Facteur-DNSBL: client [192.0.2.1] listed in bl.example (score 1, threshold 1)"));
        try (var log = LogCapture.attach("facteur.policy")) {
            assertThat(connect(settings(1, Action.OFF, OnDnsFailure.IGNORE, "bl.example"))).isEqualTo(Verdict.DUNNO);
            assertThat(log.infos()).singleElement().asString().contains("client [192.0.2.1] listed in bl.example, no action");
        }
    }

    @Test
    void aZoneWithASecretIsShownByItsPublicName() { // postscreen_dnsbl_reply_map
        dns.withAddresses(CLIENT + ".key123.zen.example", "127.0.0.2");
        var s = new DnsListSettings(List.of(DnsList.parse("key123.zen.example")), 1, 0, Action.REJECT, OnDnsFailure.IGNORE,
                Duration.ofSeconds(5), Map.of("KEY123.zen.example", "zen.example"));
        assertThat(connect(s)).isInstanceOfSatisfying(Verdict.Reject.class,
                r -> assertThat(r.reply().lines().getFirst()).endsWith("blocked using zen.example").doesNotContain("key123"));
    }

    @Test
    void aListThatFailsIsIgnoredByDefaultWithALogLineNamingIt() {
        dns.withAddresses(CLIENT + ".broken.example", new AddressAnswer.TempFail("SERVFAIL"));
        try (var log = LogCapture.attach("facteur.policy")) {
            assertThat(connect(DnsListSettings.of(List.of("broken.example")))).isEqualTo(Verdict.DUNNO);
            assertThat(log.warnings()).singleElement().asString().contains("DNS list broken.example failed for client [192.0.2.1]: SERVFAIL")
                    .contains("taken as not listed");
        }
    }

    @Test
    void aListThatFailsDefersWhenConfiguredAndItsAnswerMattered() {
        dns.withAddresses(CLIENT + ".broken.example", new AddressAnswer.TempFail("SERVFAIL"));
        assertThat(connect(settings(1, Action.REJECT, OnDnsFailure.DEFER, "broken.example"))).isInstanceOfSatisfying(Verdict.Defer.class,
                d -> assertThat(d.reply()).isEqualTo(new Reply(451, "4.7.1",
                        "Temporary failure looking up client [192.0.2.1] in broken.example; try again later")));
        assertThat(connect(settings(1, Action.REJECT, OnDnsFailure.TAG, "broken.example"))).isInstanceOfSatisfying(Verdict.AddHeader.class,
                h -> assertThat(h.field()).isEqualTo("X-Facteur-DNSBL: temperror; client [192.0.2.1] not looked up in broken.example"));
    }

    @Test
    void aFailedListWhoseAnswerCouldNotChangeTheOutcomeDefersNothing() {
        dns.withAddresses(CLIENT + ".broken.example", new AddressAnswer.TempFail("SERVFAIL")).withAddresses(CLIENT + ".bl.example", "127.0.0.2");
        assertThat(connect(settings(1, Action.REJECT, OnDnsFailure.DEFER, "bl.example", "broken.example")))
                .as("listed already; one more listing changes nothing").isInstanceOf(Verdict.Reject.class);
        assertThat(connect(settings(1, Action.REJECT, OnDnsFailure.DEFER, "bl.example*2", "broken.example*-1")))
                .as("its allow weight would still leave the score at the threshold").isInstanceOf(Verdict.Reject.class);
        assertThat(connect(settings(1, Action.REJECT, OnDnsFailure.DEFER, "bl.example", "broken.example*-1")))
                .as("its allow weight could bring the score under").isInstanceOf(Verdict.Defer.class);
        assertThat(connect(settings(3, Action.REJECT, OnDnsFailure.DEFER, "bl.example", "broken.example")))
                .as("1 + 1 cannot reach 3").isEqualTo(Verdict.DUNNO);
    }

    @Test
    void theListsAreAskedAtOnceAndTheWaitIsBounded() {
        dns.silent(CLIENT + ".silent.example").withAddresses(CLIENT + ".bl.example", "127.0.0.2");
        var s = new DnsListSettings(List.of(DnsList.parse("silent.example*-5"), DnsList.parse("bl.example")), 1, 0, Action.REJECT,
                OnDnsFailure.DEFER, Duration.ofMillis(500), Map.of());
        try (var log = LogCapture.attach("facteur.policy")) {
            assertThat(connect(s)).isInstanceOfSatisfying(Verdict.Defer.class, d -> assertThat(d.why())
                    .as("the second list answered while the first kept silent")
                    .isEqualTo("no answer from silent.example (no answer within 500 ms); score 1 without them"));
            assertThat(log.warnings()).singleElement().asString().contains("DNS list silent.example failed");
        }
    }
}

package dev.facteur.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.message.ReversePath;
import dev.facteur.net.Cidr;
import dev.facteur.smtp.AddressPolicy.Decision;
import dev.facteur.smtp.Reply;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AddressResolverTest {

    private static final InetAddress INSIDE = InetAddress.ofLiteral("127.0.0.1");
    private static final InetAddress OUTSIDE = InetAddress.ofLiteral("127.0.0.77");

    private static Mailbox m(String address) {
        return AddressSyntax.tryParseMailbox(address, true).orElseThrow();
    }

    private static AddressResolver resolver(String aliases, String transports, String recipientCanonical, Mailbox postmaster)
            throws MapFile.Invalid {
        var tables = Tables.fixed(LocalUsers.of(List.of("alice", "bob", "carol@other.test")),
                Aliases.parse(MapFile.parse(aliases, "aliases"), "aliases"),
                CanonicalMap.parse(MapFile.parse("@old.example @example.test", "sender"), "sender"),
                CanonicalMap.parse(MapFile.parse(recipientCanonical, "canonical"), "canonical"),
                TransportMap.parse(MapFile.parse(transports, "transport"), "transport"));
        var rules = new AddressResolver.Rules(List.of("example.test", "Other.test"), "mx.example.test", Set.of("backup.example"),
                List.of(Cidr.parse("127.0.0.1/32")), "+", postmaster, List.of("example.test"), true);
        return new AddressResolver(rules, tables);
    }

    private static AddressResolver resolver(String aliases) throws MapFile.Invalid {
        return resolver(aliases, "", "", null);
    }

    private static List<String> accepted(Decision d) {
        assertThat(d).isInstanceOf(Decision.Accept.class);
        return ((Decision.Accept) d).deliverTo().stream().map(Mailbox::toString).toList();
    }

    private static Reply refused(Decision d) {
        assertThat(d).isInstanceOf(Decision.Refuse.class);
        return ((Decision.Refuse) d).reply();
    }

    @Test
    void knownUsersAreAcceptedAndUnknownOnesRefusedDuringTheDialogue() throws Exception {
        var r = resolver("");
        assertThat(accepted(r.recipient(OUTSIDE, m("alice@example.test")))).containsExactly("alice@example.test");
        assertThat(accepted(r.recipient(OUTSIDE, m("Alice@EXAMPLE.test")))).containsExactly("Alice@EXAMPLE.test");
        assertThat(accepted(r.recipient(OUTSIDE, m("carol@other.test")))).containsExactly("carol@other.test");
        Reply unknown = refused(r.recipient(OUTSIDE, m("nobody@example.test")));
        assertThat(unknown.code()).isEqualTo(550);
        assertThat(unknown.enhanced()).isEqualTo("5.1.1");
        // carol exists in other.test only
        assertThat(refused(r.recipient(OUTSIDE, m("carol@example.test"))).enhanced()).isEqualTo("5.1.1");
    }

    @Test
    void subAddressesReachTheUser() throws Exception {
        var r = resolver("");
        assertThat(accepted(r.recipient(OUTSIDE, m("alice+lists@example.test")))).containsExactly("alice+lists@example.test");
        assertThat(r.mailboxName(m("alice+lists@example.test"))).isEqualTo("alice");
        assertThat(refused(r.recipient(OUTSIDE, m("+alice@example.test"))).enhanced()).isEqualTo("5.1.1");
    }

    @Test
    void aliasesExpandToLocalAndRemoteAddresses() throws Exception {
        var r = resolver("""
                info: alice, bob@example.test, friend@remote.example
                sales@example.test: team
                team: alice, carol@other.test
                """);
        assertThat(accepted(r.recipient(OUTSIDE, m("info@example.test"))))
                .containsExactly("alice@example.test", "bob@example.test", "friend@remote.example");
        assertThat(accepted(r.recipient(OUTSIDE, m("sales@example.test")))).containsExactly("alice@example.test", "carol@other.test");
        // "sales" exists only in example.test; "team" in every local domain
        assertThat(refused(r.recipient(OUTSIDE, m("sales@other.test"))).enhanced()).isEqualTo("5.1.1");
    }

    @Test
    void anAliasMayNameItsOwnMailboxWithoutLooping() throws Exception {
        var r = resolver("alice: alice, bob");
        assertThat(accepted(r.recipient(OUTSIDE, m("alice@example.test")))).containsExactly("alice@example.test", "bob@example.test");
    }

    @Test
    void aliasLoopsAreRefusedWith546() throws Exception {
        var r = resolver("""
                ping: pong
                pong: ping
                """);
        Reply loop = refused(r.recipient(OUTSIDE, m("ping@example.test")));
        assertThat(loop.code()).isEqualTo(550);
        assertThat(loop.enhanced()).isEqualTo("5.4.6");
    }

    @Test
    void theCatchAllTakesWhatNothingElseDoes() throws Exception {
        var r = resolver("@other.test: alice@example.test");
        assertThat(accepted(r.recipient(OUTSIDE, m("anything@other.test")))).containsExactly("alice@example.test");
        assertThat(accepted(r.recipient(OUTSIDE, m("carol@other.test")))).containsExactly("carol@other.test");
        assertThat(refused(r.recipient(OUTSIDE, m("anything@example.test"))).enhanced()).isEqualTo("5.1.1");
    }

    @Test
    void everyLocalDomainHasAPostmaster() throws Exception { // RFC 5321 §4.5.1
        var r = resolver("");
        assertThat(accepted(r.recipient(OUTSIDE, m("postmaster@other.test")))).containsExactly("postmaster@other.test");
        assertThat(accepted(r.recipient(OUTSIDE, Mailbox.postmaster()))).containsExactly("postmaster@example.test");
        var routed = resolver("", "", "", m("bob@example.test"));
        assertThat(accepted(routed.recipient(OUTSIDE, m("PostMaster@other.test")))).containsExactly("bob@example.test");
        assertThat(accepted(routed.recipient(OUTSIDE, Mailbox.postmaster()))).containsExactly("bob@example.test");
    }

    @Test
    void onlyRelayNetworksAndRelayDomainsGetMailForOtherDomains() throws Exception {
        var r = resolver("");
        assertThat(refused(r.recipient(OUTSIDE, m("someone@elsewhere.example"))).code()).isEqualTo(554);
        assertThat(accepted(r.recipient(INSIDE, m("someone@elsewhere.example")))).containsExactly("someone@elsewhere.example");
        assertThat(accepted(r.recipient(OUTSIDE, m("anyone@backup.example")))).containsExactly("anyone@backup.example");
    }

    @Test
    void errorEntriesOfTheTransportMapRefuseAtRcpt() throws Exception {
        var r = resolver("", """
                gone@example.test   error:5.1.6 Gone to another company
                blocked.example     error:5.7.1
                """, "", null);
        Reply gone = refused(r.recipient(OUTSIDE, m("gone@example.test")));
        assertThat(gone.code()).isEqualTo(550);
        assertThat(gone.enhanced()).isEqualTo("5.1.6");
        assertThat(gone.lines()).containsExactly("Gone to another company");
        assertThat(refused(r.recipient(INSIDE, m("x@blocked.example"))).enhanced()).isEqualTo("5.7.1");
    }

    @Test
    void recipientsAreRewrittenBeforeUsersAndAliasesAreLookedUp() throws Exception {
        var r = resolver("", "", """
                @old.example        @example.test
                chief@example.test  alice@example.test
                """, null);
        assertThat(accepted(r.recipient(INSIDE, m("bob@old.example")))).containsExactly("bob@example.test");
        assertThat(accepted(r.recipient(OUTSIDE, m("chief@example.test")))).containsExactly("alice@example.test");
        // the relay rule looks at the address as given: old.example is not ours
        assertThat(refused(r.recipient(OUTSIDE, m("bob@old.example"))).code()).isEqualTo(554);
    }

    @Test
    void sendersAreRewrittenAndMasqueraded() throws Exception {
        var r = resolver("");
        assertThat(r.sender(ReversePath.of(m("joe@old.example")))).isEqualTo(ReversePath.of(m("joe@example.test")));
        assertThat(r.sender(ReversePath.of(m("joe@host1.example.test")))).isEqualTo(ReversePath.of(m("joe@example.test")));
        assertThat(r.sender(ReversePath.of(m("joe@example.test")))).isEqualTo(ReversePath.of(m("joe@example.test")));
        assertThat(r.sender(ReversePath.NULL).isNull()).isTrue();
    }

    @Test
    void theTransportMapRoutesAndItsDefaultIsOnlyForMailLeavingUs() throws Exception {
        var r = resolver("", """
                lists.example.test  lmtp:127.0.0.1:24
                bob@example.test    smtp:[127.0.0.5]:2525
                .partner.example    smtp:relay.partner.example
                *                   smtp:[smarthost.example]:587
                """, "", null);
        var mx = new Transport.Smtp("unused", 0, true);
        assertThat(r.transport(m("bob@example.test"), mx)).hasToString("smtp:[127.0.0.5]:2525");
        assertThat(r.transport(m("alice@example.test"), mx)).isInstanceOf(Transport.Local.class);
        assertThat(r.transport(m("x@a.partner.example"), mx)).hasToString("smtp:relay.partner.example");
        assertThat(r.transport(m("x@partner.example"), mx)).hasToString("smtp:[smarthost.example]:587");
        assertThat(r.transport(m("x@anywhere.example"), mx)).hasToString("smtp:[smarthost.example]:587");
    }

    @Test
    void headersAreRewrittenLikeTheEnvelopeWhenAsked() throws Exception {
        var r = resolver("", "", "@old.example @example.test", null);
        assertThat(r.headerRewrite(OUTSIDE)).as("mail from the Internet keeps its header").isNull();
        var rewrite = r.headerRewrite(INSIDE);
        assertThat(rewrite.rewrite("From", " Joe <joe@host1.example.test>\r\n")).isEqualTo(" Joe <joe@example.test>\r\n");
        assertThat(rewrite.rewrite("Reply-To", " joe@old.example\r\n")).isEqualTo(" joe@example.test\r\n");
        assertThat(rewrite.rewrite("cc", " ann@old.example\r\n")).isEqualTo(" ann@example.test\r\n");
        assertThat(rewrite.rewrite("Subject", " mail from joe@old.example\r\n")).isNull();
    }

    @Test
    void aStaleAliasMemberIsLeftOutAndAnAliasWithNoneLeftIsRefusedInTheClientsTerms() throws Exception {
        var r = resolver("""
                team: alice, departed
                ghosts: departed, gone
                """);
        assertThat(accepted(r.recipient(OUTSIDE, m("team@example.test")))).containsExactly("alice@example.test");
        Reply none = refused(r.recipient(OUTSIDE, m("ghosts@example.test")));
        assertThat(none.enhanced()).isEqualTo("5.1.1");
        assertThat(none.lines().getFirst()).startsWith("<ghosts@example.test>:").doesNotContain("departed");
    }

    @Test
    void aTransportEntryForAWholeDomainDoesNotMakeEveryAddressExist() throws Exception {
        var r = resolver("", """
                example.test          lmtp:127.0.0.1:24
                robot@example.test    smtp:[127.0.0.5]:2525
                """, "", null);
        assertThat(refused(r.recipient(OUTSIDE, m("random123@example.test"))).enhanced()).isEqualTo("5.1.1");
        assertThat(accepted(r.recipient(OUTSIDE, m("robot@example.test")))).containsExactly("robot@example.test");
    }

    @Test
    void theBarePostmasterIsAcceptedFromAnyoneWhereverItGoes() throws Exception { // RFC 5321 §4.5.1
        var remote = resolver("", "", "", m("admin@elsewhere.example"));
        assertThat(accepted(remote.recipient(OUTSIDE, Mailbox.postmaster()))).containsExactly("admin@elsewhere.example");
        assertThat(accepted(remote.recipient(OUTSIDE, m("postmaster@example.test")))).containsExactly("admin@elsewhere.example");

        var noDomains = new AddressResolver(new AddressResolver.Rules(List.of(), "MX.Example.Test", Set.of(), List.of(), "+", null,
                List.of(), false), Tables.NONE);
        assertThat(accepted(noDomains.recipient(OUTSIDE, Mailbox.postmaster()))).containsExactly("postmaster@mx.example.test");
        assertThat(accepted(noDomains.recipient(OUTSIDE, m("postmaster@mx.example.test")))).containsExactly("postmaster@mx.example.test");
        assertThat(noDomains.transport(m("postmaster@mx.example.test"), null)).isInstanceOf(Transport.Local.class);
    }

    @Test
    void ourOwnLocalPartsAreOneMailboxWhateverTheirCase() throws Exception {
        var r = resolver("");
        assertThat(r.recipientKey(m("Alice@Example.Test"))).isEqualTo(r.recipientKey(m("alice@example.test")));
        assertThat(r.recipientKey(m("Bob@elsewhere.example"))).isNotEqualTo(r.recipientKey(m("bob@elsewhere.example")));
    }

    @Test
    void anAliasMemberWithATransportErrorStaysForTheDeliveryToReport() throws Exception {
        var r = resolver("team: alice, bob\n", "bob@example.test  error:4.2.1 Mailbox being moved\n", "", null);
        assertThat(accepted(r.recipient(OUTSIDE, m("team@example.test")))).containsExactly("alice@example.test", "bob@example.test");
        assertThat(r.transport(m("bob@example.test"), null)).isInstanceOf(Transport.Error.class);
    }

    @Test
    void postmasterAtOurHostnameIsThePostmasterOfOurFirstDomain() throws Exception {
        var r = resolver("postmaster: alice\n");
        assertThat(accepted(r.recipient(OUTSIDE, m("postmaster@mx.example.test")))).containsExactly("alice@example.test");
    }

    @Test
    void withoutLocalDomainsOurHostnameIsOne() throws Exception {
        var r = new AddressResolver(new AddressResolver.Rules(List.of(), "mx.example.test", Set.of(), List.of(), "+", null,
                List.of(), false), Tables.NONE);
        assertThat(refused(r.recipient(OUTSIDE, m("nobody@mx.example.test"))).enhanced()).isEqualTo("5.1.1");
        assertThat(refused(r.recipient(OUTSIDE, m("x@elsewhere.example"))).code()).isEqualTo(554);
    }

    @Test
    void theBounceDomainTakesTheAddressesItSaysExistFromAnyoneAndTheirMailGoesToTheReportReader() throws Exception {
        BounceDomain bounces = new BounceDomain() {
            @Override
            public String domain() {
                return "bounces.example.test";
            }

            @Override
            public java.util.Optional<Reply> refusal(Mailbox address) {
                return address.localPart().startsWith("bounce+") ? java.util.Optional.empty()
                        : java.util.Optional.of(new Reply(550, "5.1.1", "Recipient address rejected: User unknown"));
            }
        };
        var plain = resolver("");
        var rules = new AddressResolver.Rules(List.of("example.test"), "mx.example.test", Set.of(), List.of(), "+", null, List.of(), false);
        var r = new AddressResolver(rules, Tables.fixed(LocalUsers.of(List.of("alice")), Aliases.NONE, CanonicalMap.NONE, CanonicalMap.NONE,
                TransportMap.NONE), null, bounces);

        assertThat(accepted(r.recipient(OUTSIDE, m("bounce+x@bounces.example.test")))).as("from a stranger, no relaying needed")
                .containsExactly("bounce+x@bounces.example.test");
        assertThat(refused(r.recipient(OUTSIDE, m("someone@bounces.example.test"))).enhanced()).isEqualTo("5.1.1");
        assertThat(accepted(r.recipient(OUTSIDE, m("postmaster@bounces.example.test")))).as("RFC 5321 §4.5.1")
                .containsExactly("postmaster@example.test");
        assertThat(r.transport(m("bounce+x@bounces.example.test"), null)).isEqualTo(new Transport.Reports());
        assertThat(r.transport(m("bob@elsewhere.test"), null)).isNull();
        assertThat(refused(plain.recipient(OUTSIDE, m("bounce+x@bounces.example.test")))).as("without a bounce domain it is someone else's")
                .isNotNull();
    }
}

package dev.facteur.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.bounce.Report.AutoReply;
import dev.facteur.bounce.Report.Bounce;
import dev.facteur.bounce.Report.Complaint;
import dev.facteur.testing.TestResources;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The 200 real messages of sisimai/set-of-emails (BSD-2-Clause, {@code sisimai/LICENSE-sisimai}),
 * with the reason sisimai gives each recipient ({@code sisimai/expected.json}, transcribed from
 * go-sisimai's tests): DSNs, failure notices from some fifty kinds of server, feedback reports,
 * auto-replies and two messages that are neither.
 *
 * <p>Sisimai's reasons are finer than {@link BounceClass}; {@link #CLASS_OF_REASON} says which
 * class each one is. Where Facteur reads a message differently, the file is listed in
 * {@link #DISAGREEMENTS} with the reason; the test fails when the list is wrong either way, so a
 * change that reads more (or less) of the corpus shows here.
 */
class SisimaiCorpusTest {

    /**
     * Sisimai's reason → the class a sender acts on. "filtered" is a refusal after DATA, mostly by
     * content; "suspend" a disabled mailbox, hard as 5.2.1 is; "expired" and "networkerror" say the
     * receiver could not be reached in time, soft; "onhold" and "undefined" are sisimai's own
     * "cannot tell"; "syntaxerror" a protocol error, which says nothing about the address, as
     * {@link BounceClassifier} reads X.5.X.
     */
    static final Map<String, BounceClass> CLASS_OF_REASON = Map.ofEntries(
            Map.entry("userunknown", BounceClass.HARD), Map.entry("hostunknown", BounceClass.HARD),
            Map.entry("hasmoved", BounceClass.HARD), Map.entry("notaccept", BounceClass.HARD), Map.entry("suspend", BounceClass.HARD),
            Map.entry("mailboxfull", BounceClass.SOFT), Map.entry("expired", BounceClass.SOFT), Map.entry("networkerror", BounceClass.SOFT),
            Map.entry("systemerror", BounceClass.SOFT), Map.entry("systemfull", BounceClass.SOFT), Map.entry("toomanyconn", BounceClass.SOFT),
            Map.entry("mailererror", BounceClass.SOFT), Map.entry("speeding", BounceClass.SOFT),
            Map.entry("filtered", BounceClass.POLICY), Map.entry("blocked", BounceClass.POLICY), Map.entry("spamdetected", BounceClass.POLICY),
            Map.entry("policyviolation", BounceClass.POLICY), Map.entry("rejected", BounceClass.POLICY),
            Map.entry("securityerror", BounceClass.POLICY), Map.entry("authfailure", BounceClass.POLICY),
            Map.entry("notcompliantrfc", BounceClass.POLICY), Map.entry("virusdetected", BounceClass.POLICY),
            Map.entry("contenterror", BounceClass.POLICY), Map.entry("badreputation", BounceClass.POLICY),
            Map.entry("requireptr", BounceClass.POLICY),
            Map.entry("mesgtoobig", BounceClass.TOO_LARGE), Map.entry("exceedlimit", BounceClass.TOO_LARGE),
            Map.entry("delivered", BounceClass.NOT_A_FAILURE),
            Map.entry("onhold", BounceClass.UNDETERMINED), Map.entry("undefined", BounceClass.UNDETERMINED),
            Map.entry("syntaxerror", BounceClass.UNDETERMINED));

    /**
     * A reply that says the user is unknown, with nothing to say it answered DATA rather than RCPT
     * TO: hard for Facteur. Sisimai knows these servers and carriers to word their filters' refusals
     * so, and calls them "filtered".
     */
    private static final String UNKNOWN_USER_SISIMAI_KNOWS_AS_FILTER =
            "the reply names an unknown user (hard); sisimai knows this server to mean a filter by it (filtered)";

    /** Files where Facteur's reading differs from sisimai's, and why. */
    static final Map<String, String> DISAGREEMENTS = Map.ofEntries(
            Map.entry("lhost-activehunter-02.eml", UNKNOWN_USER_SISIMAI_KNOWS_AS_FILTER),
            Map.entry("lhost-amazonses-02.eml", UNKNOWN_USER_SISIMAI_KNOWS_AS_FILTER),
            Map.entry("lhost-amazonworkmail-02.eml", UNKNOWN_USER_SISIMAI_KNOWS_AS_FILTER + "; 5.2.1, a disabled mailbox"),
            Map.entry("lhost-apachejames-01.eml", UNKNOWN_USER_SISIMAI_KNOWS_AS_FILTER),
            Map.entry("lhost-exchange2003-04.eml", UNKNOWN_USER_SISIMAI_KNOWS_AS_FILTER + " (\"Recipient Not Found\")"),
            Map.entry("lhost-mailfoundry-01.eml", UNKNOWN_USER_SISIMAI_KNOWS_AS_FILTER),
            Map.entry("lhost-mcafee-01.eml", UNKNOWN_USER_SISIMAI_KNOWS_AS_FILTER),
            Map.entry("lhost-mxlogic-03.eml", UNKNOWN_USER_SISIMAI_KNOWS_AS_FILTER),
            Map.entry("lhost-surfcontrol-01.eml", UNKNOWN_USER_SISIMAI_KNOWS_AS_FILTER),
            Map.entry("lhost-x1-01.eml", UNKNOWN_USER_SISIMAI_KNOWS_AS_FILTER),
            Map.entry("lhost-x1-02.eml", UNKNOWN_USER_SISIMAI_KNOWS_AS_FILTER),
            Map.entry("lhost-x2-01.eml", UNKNOWN_USER_SISIMAI_KNOWS_AS_FILTER + " (\"doesn't have a ... account\")"),
            Map.entry("lhost-x2-02.eml", "two of three recipients: " + UNKNOWN_USER_SISIMAI_KNOWS_AS_FILTER),
            Map.entry("lhost-yahoo-06.eml", UNKNOWN_USER_SISIMAI_KNOWS_AS_FILTER),
            Map.entry("rfc3464-42.eml", UNKNOWN_USER_SISIMAI_KNOWS_AS_FILTER + " (Gmail's \"account ... does not exist\")"),
            Map.entry("rfc3464-57.eml", UNKNOWN_USER_SISIMAI_KNOWS_AS_FILTER),
            Map.entry("lhost-sendmail-02.eml", "second recipient: 550 5.2.1 User Unknown is a disabled mailbox by its status (hard); sisimai: filtered"),
            Map.entry("lhost-zoho-02.eml", "first recipient: 550 5.2.1 User Unknown is a disabled mailbox by its status (hard); sisimai: filtered"),
            Map.entry("lhost-bigfoot-02.eml", "Status 5.7.1 is policy, and the status decides over the words \"Invalid recipient\"; sisimai: user unknown"),
            Map.entry("lhost-mfilter-04.eml", "Microsoft's 550 5.4.1 \"Access denied\": X.4.1 is \"no answer from host\" (RFC 3463), soft by the status; sisimai: rejected"),
            Map.entry("lhost-outlook-03.eml", "554 5.5.0 \"the domain is not reachable ... try again\": soft; sisimai: host unknown"),
            Map.entry("lhost-postfix-01.eml", "5.1.1 from local delivery (procmail could not create the mailbox: \"No such user\"): hard by the status; sisimai: mailer error"),
            Map.entry("lhost-receivingses-03.eml", "450 4.0.0 Temporary failure: soft; sisimai leaves it on hold"),
            Map.entry("rfc3464-43.eml", "451 4.3.0 \"recipient error. Please try again later\": soft; sisimai leaves it on hold"),
            Map.entry("rfc3464-01.eml", "the delivery-status fields say 5.1.1 User Unknown and the notice \"Not enough disk space\": the fields decide; sisimai: mailbox full"),
            Map.entry("rfc3464-35.eml", "two of three: \"not a registered gateway user\" (5.0.0) says nothing Facteur reads, undetermined; "
                    + "\"550 user unknown\" (5.0.0) is hard; sisimai: rejected, filtered"),
            Map.entry("rhost-spectrum-01.eml", "\"550 5.1.0 ... sender rejected ... AUP#In-1310\": policy; sisimai knows that code for too many connections"),
            Map.entry("rfc3464-28.eml", "one recipient in the delivery-status part (Action: deliverable, 2.1.5); sisimai reports two"),
            Map.entry("rhost-cox-01.eml", "one recipient in the delivery-status part; sisimai reports two"),
            Map.entry("lhost-googlegroups-01.eml", "Google Groups' notice in Japanese: the recipient from X-Failed-Recipients, no English words, undetermined"),
            Map.entry("lhost-googlegroups-03.eml", "Google Groups' notice in Arabic: the recipient from X-Failed-Recipients, no English words, undetermined"),
            Map.entry("lhost-fml-02.eml", "a mailing list manager's reply (\"You are not a member\") with no sign of a failed delivery: not a report"),
            Map.entry("lhost-fml-03.eml", "a mailing list manager's loop alert with no sign of a failed delivery: not a report"));

    /** The bounce files that Facteur reads as no report at all (see {@link #DISAGREEMENTS}): every other one yields a recipient. */
    static final List<String> NOT_REPORTS = List.of("lhost-fml-02.eml", "lhost-fml-03.eml");

    private static JsonNode expected;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = SisimaiCorpusTest.class.getResourceAsStream("sisimai/expected.json")) {
            expected = JsonMapper.builder().build().readTree(in).get("files");
        }
    }

    private static Report parse(String file) {
        return ReportParser.read(TestResources.bytes(SisimaiCorpusTest.class, "sisimai/" + file), ReportLimits.DEFAULT, 0);
    }

    @Test
    void everyBounceClassifiedAsSisimaiReasonMaps() {
        Map<BounceClass, Integer> perClass = new EnumMap<>(BounceClass.class);
        int expectedRecipients = 0, agreed = 0, bounceFiles = 0, filesWithRecipients = 0;
        Map<String, String> disagreements = new TreeMap<>();
        List<String> withoutRecipients = new ArrayList<>();
        for (var entry : expected.properties()) {
            String file = entry.getKey();
            String category = entry.getValue().get("category").asString();
            if (!List.of("rfc3464", "lhost", "rhost").contains(category)) continue;
            bounceFiles++;
            List<BounceClass> want = new ArrayList<>();
            for (JsonNode e : entry.getValue().get("expected")) want.add(classOf(e.get("reason").asString()));
            expectedRecipients += want.size();
            Report r = parse(file);
            List<BouncedRecipient> got = r instanceof Bounce b ? b.recipients() : List.of();
            if (!got.isEmpty()) filesWithRecipients++;
            else withoutRecipients.add(file);
            for (BouncedRecipient g : got) perClass.merge(g.bounceClass(), 1, Integer::sum);
            List<BounceClass> left = new ArrayList<>(got.stream().map(BouncedRecipient::bounceClass).toList());
            int here = 0;
            for (BounceClass w : want) if (left.remove(w)) here++;
            agreed += here;
            String summary = file + " want " + want + " got " + (r instanceof Bounce ? got.stream()
                    .map(g -> g.address() + " " + g.bounceClass() + " " + g.status().map(Object::toString).orElse("-") + " [" + g.diagnostic() + "]")
                    .collect(Collectors.joining("; ")) : r);
            if (here != want.size() || got.size() != want.size()) disagreements.put(file, summary);
        }
        disagreements.values().forEach(System.out::println);
        System.out.printf("sisimai corpus: %d bounce files, %d with at least one recipient; %d of %d recipients classified as sisimai's"
                + " reason maps; %d recipients read, per class %s%n", bounceFiles, filesWithRecipients, agreed, expectedRecipients,
                perClass.values().stream().mapToInt(Integer::intValue).sum(), perClass);
        assertThat(withoutRecipients).as("bounces that yield no recipient").isEqualTo(NOT_REPORTS);
        assertThat(disagreements.keySet()).isEqualTo(DISAGREEMENTS.keySet());
    }

    @Test
    void feedbackReportsAreComplaintsOfTheirType() { // RFC 5965, RFC 6591, and one unsubscribe button
        int n = 0;
        for (var entry : expected.properties()) {
            if (!entry.getValue().get("category").asString().equals("arf")) continue;
            String type = entry.getValue().get("expected").get(0).get("feedbacktype").asString();
            assertThat(parse(entry.getKey())).as(entry.getKey()).isInstanceOfSatisfying(Complaint.class,
                    c -> assertThat(c.feedback().feedbackType()).isEqualTo(type));
            n++;
        }
        assertThat(n).isEqualTo(14);
    }

    @Test
    void automaticRepliesAreNoBounces() { // RFC 3834
        int n = 0;
        for (var entry : expected.properties()) {
            if (!entry.getValue().get("category").asString().equals("rfc3834")) continue;
            assertThat(parse(entry.getKey())).as(entry.getKey()).isInstanceOf(AutoReply.class);
            n++;
        }
        assertThat(n).isEqualTo(5);
    }

    @Test
    void messagesThatAreNoBouncesAreNotReports() {
        assertThat(parse("is-not-bounce-01.eml")).isInstanceOf(Report.NotAReport.class);
        assertThat(parse("is-not-bounce-02.eml")).isInstanceOf(Report.NotAReport.class);
    }

    private static BounceClass classOf(String reason) {
        BounceClass c = CLASS_OF_REASON.get(reason);
        if (c == null) throw new IllegalStateException("no class for sisimai's reason " + reason);
        return c;
    }
}

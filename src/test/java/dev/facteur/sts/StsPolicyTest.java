package dev.facteur.sts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.sts.StsPolicy.Mode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 8461 §3.2 (the policy file) and §4.1 (MX host validation). */
class StsPolicyTest {

    private static final String EXAMPLE = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n";

    private static StsPolicy policy(String text) {
        return switch (StsPolicy.parse(text)) {
            case StsPolicy.Parse.Valid(var p) -> p;
            case StsPolicy.Parse.Invalid(var reason) -> throw new AssertionError("invalid: " + reason + "\n" + text);
        };
    }

    private static String invalid(String text) {
        return switch (StsPolicy.parse(text)) {
            case StsPolicy.Parse.Valid(var p) -> throw new AssertionError("valid: " + p + "\n" + text);
            case StsPolicy.Parse.Invalid(var reason) -> reason;
        };
    }

    @Test
    void theRfcsExample() { // §3.2
        assertThat(policy(EXAMPLE)).isEqualTo(new StsPolicy(Mode.ENFORCE,
                List.of("mail.example.com", "*.example.net", "backupmx.example.com"), Duration.ofSeconds(604800)));
    }

    @Test
    void linesEndWithCrlfOrLfAndTheLastMayHaveNone() { // sts-policy-term = LF / CRLF; erratum 6253
        StsPolicy p = policy(EXAMPLE);
        assertThat(policy(EXAMPLE.replace("\r\n", "\n"))).isEqualTo(p);
        assertThat(policy(EXAMPLE.strip())).isEqualTo(p);
        assertThat(policy("version: STSv1\nmode: enforce\r\nmx: mail.example.com\nmx: *.example.net\r\nmx: backupmx.example.com\nmax_age: 604800"))
                .isEqualTo(p);
        assertThat(invalid("version: STSv1\rmode: none\rmax_age: 1\r")).contains("carriage return");
    }

    @Test
    void fieldsComeInAnyOrderWithOrWithoutSpacesAfterTheColon() { // sts-policy-field-delim = ":" *WSP
        assertThat(policy("max_age:86400\nmx:\t mx.example.com  \nmode:testing\t\nversion:   STSv1\n"))
                .isEqualTo(new StsPolicy(Mode.TESTING, List.of("mx.example.com"), Duration.ofDays(1)));
    }

    @Test
    void unknownKeysAreIgnored() { // sts-policy-extension
        assertThat(policy(EXAMPLE + "report_to: tls-reports@example.com\r\nnote: une politique à l'essai\r\n")).isEqualTo(policy(EXAMPLE));
        assertThat(invalid(EXAMPLE + "note: a\ttab\r\n")).isEqualTo("line 7: note holds a control character");
        assertThat(invalid(EXAMPLE + "-note: x\r\n")).isEqualTo("line 7: \"-note\" is not a key");
    }

    @Test
    void emptyLinesAreSkipped() { // the ABNF has none; a file ending with an empty line is common and says nothing else
        assertThat(policy(EXAMPLE + "\r\n\r\n")).isEqualTo(policy(EXAMPLE));
        assertThat(policy("\n" + EXAMPLE.replace("mode: enforce\r\n", "mode: enforce\r\n\r\n"))).isEqualTo(policy(EXAMPLE));
    }

    @Test
    void everyRequiredFieldOnceAndMxAtLeastOnce() { // §3.2: version, mode, max_age required; mx required unless mode is none
        assertThat(invalid("mode: enforce\nmx: a.example\nmax_age: 1\n")).isEqualTo("no version");
        assertThat(invalid("version: STSv1\nmx: a.example\nmax_age: 1\n")).isEqualTo("no mode");
        assertThat(invalid("version: STSv1\nmode: enforce\nmx: a.example\n")).isEqualTo("no max_age");
        assertThat(invalid("version: STSv1\nmode: testing\nmax_age: 1\n")).isEqualTo("no mx (required unless the mode is none)");
        assertThat(policy("version: STSv1\nmode: none\nmax_age: 86400\n")).isEqualTo(new StsPolicy(Mode.NONE, List.of(), Duration.ofDays(1)));
        assertThat(invalid(EXAMPLE + "mode: testing\n")).isEqualTo("line 7: a second mode");
        assertThat(invalid(EXAMPLE + "version: STSv1\n")).isEqualTo("line 7: a second version");
        assertThat(invalid(EXAMPLE + "max_age: 1\n")).isEqualTo("line 7: a second max_age");
    }

    @Test
    void versionAndModeAreCaseSensitive() { // %s"STSv1", %s"enforce"
        assertThat(invalid(EXAMPLE.replace("STSv1", "stsv1"))).isEqualTo("version is \"stsv1\", not STSv1");
        assertThat(invalid(EXAMPLE.replace("STSv1", "STSv2"))).isEqualTo("version is \"STSv2\", not STSv1");
        assertThat(invalid(EXAMPLE.replace("enforce", "Enforce"))).isEqualTo("mode is \"Enforce\", not enforce, testing or none");
        assertThat(invalid(EXAMPLE.replace("enforce", "report"))).as("a draft's mode").contains("not enforce, testing or none");
        assertThat(invalid(EXAMPLE.replace("mode:", "Mode:"))).isEqualTo("no mode"); // another key, ignored
    }

    @Test
    void maxAgeIsUpToTenDigitsAndAtMostAYear() { // sts-policy-max-age-value = 1*10(DIGIT); "maximum value of 31557600"
        assertThat(policy(EXAMPLE.replace("604800", "31557600")).maxAge()).isEqualTo(StsPolicy.MAX_AGE_LIMIT);
        assertThat(policy(EXAMPLE.replace("604800", "0")).maxAge()).isZero();
        assertThat(invalid(EXAMPLE.replace("604800", "31557601"))).isEqualTo("max_age is 31557601, more than the limit of 31557600 (RFC 8461 §3.2)");
        assertThat(invalid(EXAMPLE.replace("604800", "12345678901"))).contains("not up to 10 digits");
        assertThat(invalid(EXAMPLE.replace("604800", "-1"))).contains("not up to 10 digits");
        assertThat(invalid(EXAMPLE.replace("604800", "1w"))).contains("not up to 10 digits");
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "*.", "mx.*.example.com", "**.example.com", "*example.com", "mx..example.com", "mx.example.com.",
            "-mx.example.com", "mx-.example.com", "mx_1.example.com", "mx.example.com:25", "[127.0.0.1]", "mx example.com"})
    void mxIsAHostNameOrOneWildcardLabelAndADomain(String mx) { // sts-policy-mx-value = ["*."] Domain
        assertThat(invalid(EXAMPLE.replace("mail.example.com", mx))).startsWith("line 3: mx");
    }

    @Test
    void aBrokenLineSaysWhichAndWhy() {
        assertThat(invalid("version: STSv1\nmode enforce\n")).isEqualTo("line 2: not \"key: value\"");
        assertThat(invalid(" version: STSv1\n")).as("no space before a key").isEqualTo("line 1: \" version\" is not a key");
        assertThat(invalid("version: STSv1\nmode:\nmax_age: 1\n")).isEqualTo("line 2: mode has no value");
        assertThat(invalid("<html><body>Not found</body></html>")).isEqualTo("line 1: not \"key: value\"");
    }

    @ParameterizedTest
    @CsvSource({
            "mail.example.com, true",
            "MAIL.Example.COM, true",      // case does not matter
            "mail.example.com., true",     // nor a trailing dot
            "example.com, false",
            "mx1.example.net, true",       // *.example.net: one label more
            "MX1.EXAMPLE.NET., true",
            "example.net, false",          // not the domain itself
            "a.mx1.example.net, false",    // nor two labels more
            ".example.net, false",         // an empty label is no label
            "mx1.example.net.evil.test, false",
            "mx1example.net, false",
            "backupmx.example.com, true",
            "backupmx.example.co, false",
    })
    void mxHostsMatchAsSection41Says(String host, boolean matches) { // §4.1
        assertThat(policy(EXAMPLE).matches(host)).isEqualTo(matches);
    }

    @Test
    void patternsAreKeptInLowerCase() {
        assertThat(policy(EXAMPLE.replace("mail.example.com", "Mail.Example.COM")).mx()).startsWith("mail.example.com");
    }

    @Test
    void aPolicyMadeInCodeIsValidatedToo() {
        assertThatThrownBy(() -> new StsPolicy(Mode.ENFORCE, List.of(), Duration.ofDays(1))).hasMessageContaining("at least one mx");
        assertThatThrownBy(() -> new StsPolicy(Mode.ENFORCE, List.of("*"), Duration.ofDays(1))).hasMessageContaining("mx \"*\"");
        assertThatThrownBy(() -> new StsPolicy(Mode.ENFORCE, List.of("a.example"), Duration.ofSeconds(31_557_601)))
                .hasMessageContaining("max_age");
        assertThatThrownBy(() -> new StsPolicy(Mode.ENFORCE, List.of("a.example"), Duration.ofMillis(1500))).hasMessageContaining("whole seconds");
    }

    @Test
    void theTextWrittenIsTheRfcsForm() {
        assertThat(policy(EXAMPLE).text()).isEqualTo(EXAMPLE);
    }

    /**
     * Policies made at random, written with random line ends, spaces, field order, empty lines
     * and unknown keys, read back as themselves.
     */
    @Test
    void randomPoliciesReadBackAsThemselves() {
        Random random = new Random(8461);
        for (int n = 0; n < 3000; n++) {
            Mode mode = Mode.values()[random.nextInt(3)];
            List<String> mx = new ArrayList<>();
            for (int i = random.nextInt(mode == Mode.NONE ? 3 : 4) + (mode == Mode.NONE ? 0 : 1); i > 0; i--)
                mx.add((random.nextBoolean() ? "*." : "") + label(random) + "." + label(random));
            var p = new StsPolicy(mode, mx, Duration.ofSeconds(random.nextLong(StsPolicy.MAX_AGE_LIMIT.toSeconds() + 1)));
            List<String> lines = new ArrayList<>();
            lines.add("version:" + spaces(random) + "STSv1");
            lines.add("mode:" + spaces(random) + mode.token());
            lines.add("max_age:" + spaces(random) + p.maxAge().toSeconds());
            for (String m : mx) lines.add("mx:" + spaces(random) + m);
            for (int i = random.nextInt(3); i > 0; i--) lines.add("x" + label(random) + ":" + spaces(random) + "an unknown value");
            // the mx lines keep their order among themselves: the pattern list is ordered
            List<String> shuffled = new ArrayList<>();
            List<String> others = new ArrayList<>(lines.stream().filter(l -> !l.startsWith("mx:")).toList());
            java.util.Collections.shuffle(others, random);
            int nextMx = 0;
            List<String> mxLines = lines.stream().filter(l -> l.startsWith("mx:")).toList();
            while (!others.isEmpty() || nextMx < mxLines.size())
                shuffled.add(nextMx < mxLines.size() && (others.isEmpty() || random.nextBoolean()) ? mxLines.get(nextMx++) : others.removeFirst());
            StringBuilder text = new StringBuilder();
            for (String line : shuffled) {
                text.append(line).append(spaces(random)).append(random.nextBoolean() ? "\r\n" : "\n");
                if (random.nextInt(10) == 0) text.append("\n");
            }
            assertThat(policy(text.toString())).as(text.toString()).isEqualTo(p);
            assertThat(policy(p.text())).isEqualTo(p);
        }
    }

    private static String label(Random random) {
        String letters = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder b = new StringBuilder();
        for (int i = random.nextInt(10) + 1; i > 0; i--) b.append(letters.charAt(random.nextInt(letters.length())));
        return b.toString();
    }

    private static String spaces(Random random) {
        return " \t ".substring(0, random.nextInt(4));
    }
}

package dev.facteur.sts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 8461 §3.1: the {@code _mta-sts} TXT record. */
class StsRecordTest {

    private static StsRecord.Parse parse(String text) {
        return StsRecord.parse(text);
    }

    private static StsRecord.Parse valid(String id) {
        return new StsRecord.Parse.Valid(new StsRecord(id));
    }

    @Test
    void theRfcsExample() { // §3.1
        assertThat(parse("v=STSv1; id=20160831085700Z;")).isEqualTo(valid("20160831085700Z"));
    }

    @Test
    void theTrailingSeparatorIsOptionalAndSpacesAroundSeparatorsAreAllowed() { // sts-field-delim = *WSP ";" *WSP
        assertThat(parse("v=STSv1;id=abc")).isEqualTo(valid("abc"));
        assertThat(parse("v=STSv1 ;\tid=abc ; ")).isEqualTo(valid("abc"));
    }

    @Test
    void unknownFieldsAreIgnoredWhereverTheyStand() { // sts-extension
        assertThat(parse("v=STSv1; foo=bar; id=abc; x_y-z.1=!\"#$%&'()*+,-./:<>?@[]^_`{|}~")).isEqualTo(valid("abc"));
    }

    @Test
    void theIdIsOneToThirtyTwoLettersAndDigits() { // sts-id = %s"id=" 1*32(ALPHA / DIGIT)
        assertThat(parse("v=STSv1; id=" + "a".repeat(32))).isEqualTo(valid("a".repeat(32)));
        assertThat(parse("v=STSv1; id=" + "a".repeat(33))).isInstanceOf(StsRecord.Parse.Invalid.class);
        assertThat(parse("v=STSv1; id=2016-08-31")).isInstanceOf(StsRecord.Parse.Invalid.class);
        assertThat(parse("v=STSv1; id=")).isInstanceOf(StsRecord.Parse.Invalid.class);
        assertThatThrownBy(() -> new StsRecord("with space")).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "v=STSv1",                  // no field at all
            "v=STSv1;",                 // ditto
            "v=STSv1; foo=bar",         // no id: it is required
            "v=STSv1; ID=abc",          // names are case sensitive: that is another field, and no id
            "v=STSv1; id=abc; id=def",  // two ids: which one?
            "v=STSv1 id=abc",           // no separator
            "v=STSv1; id=abc def",      // a space inside a value
            "v=STSv1; id=abc=def",      // "=" inside a value
            "v=STSv1; _x=1; id=abc",    // a field name starts with a letter or digit
            "v=STSv1; foo=; id=abc",    // an empty value
            "v=STSv1; id=abc;;",        // an empty field
            "v=STSv1; id=abc ",         // a trailing space without a separator
    })
    void malformedRecordsAreInvalid(String record) { // §3.1: "syntactically invalid"
        assertThat(parse(record)).isInstanceOf(StsRecord.Parse.Invalid.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"v=spf1 -all", "v=STSv10; id=abc", "V=STSv1; id=abc", " v=STSv1; id=abc", "id=abc; v=STSv1"})
    void recordsThatDoNotStartWithTheVersionAreNotMtaStsRecords(String record) { // %s"v=STSv1", first
        assertThat(parse(record)).isEqualTo(new StsRecord.Parse.Absent());
    }

    @Test
    void otherRecordsAtTheNameAreDiscarded() { // §3.1: "records that do not begin with v=STSv1; are discarded"
        assertThat(StsRecord.select(List.of("v=spf1 -all", "google-site-verification=xyz", "v=STSv1; id=abc")))
                .isEqualTo(valid("abc"));
        assertThat(StsRecord.select(List.of("v=spf1 -all"))).isEqualTo(new StsRecord.Parse.Absent());
    }

    @Test
    void twoMtaStsRecordsMeanNoPolicy() { // §3.1: "If the number of resulting records is not one ... MUST assume ... not have an available MTA-STS Policy"
        assertThat(StsRecord.select(List.of("v=STSv1; id=abc", "v=STSv1; id=def")))
                .isEqualTo(new StsRecord.Parse.Invalid("2 records start with v=STSv1 (RFC 8461 §3.1 asks for exactly one)"));
        assertThat(StsRecord.select(List.of("v=STSv1; id=abc", "v=STSv1; id=abc"))).as("even the same one twice")
                .isInstanceOf(StsRecord.Parse.Invalid.class);
    }

    @Test
    void oneInvalidMtaStsRecordMeansNoPolicy() {
        assertThat(StsRecord.select(List.of("v=STSv1; id=not valid", "v=spf1 -all"))).isInstanceOf(StsRecord.Parse.Invalid.class);
    }

    @Test
    void ourRecordsIdFollowsThePolicyText() {
        var testing = new StsPolicy(StsPolicy.Mode.TESTING, List.of("mx.example.com"), Duration.ofDays(7));
        var enforce = new StsPolicy(StsPolicy.Mode.ENFORCE, List.of("mx.example.com"), Duration.ofDays(7));
        assertThat(StsRecord.of(testing)).as("the same policy, the same id").isEqualTo(StsRecord.of(testing));
        assertThat(StsRecord.of(testing)).isNotEqualTo(StsRecord.of(enforce));
        assertThat(StsRecord.of(testing).id()).matches("[0-9a-f]{16}");
        assertThat(parse(StsRecord.of(testing).text())).as("what we publish reads back").isEqualTo(valid(StsRecord.of(testing).id()));
    }

    /**
     * Records put together at random from the ABNF's pieces (fields in any order, separators with
     * any spaces, a trailing one or not) read as the id they hold.
     */
    @Test
    void randomWellFormedRecordsReadAsTheirId() {
        Random random = new Random(8461);
        String alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        for (int n = 0; n < 5000; n++) {
            String id = randomString(random, alnum, 1 + random.nextInt(32));
            List<String> fields = new ArrayList<>();
            for (int i = random.nextInt(4); i > 0; i--)
                fields.add(randomString(random, alnum, 1) + randomString(random, alnum + "_-.", random.nextInt(31)) + "="
                        + randomString(random, "!\"#$%&'()*+,-./:<>?@[]^_`{|}~" + alnum, 1 + random.nextInt(10)));
            fields.removeIf(f -> f.startsWith("id="));
            fields.add(random.nextInt(fields.size() + 1), "id=" + id);
            StringBuilder record = new StringBuilder("v=STSv1");
            for (String f : fields) record.append(spaces(random)).append(';').append(spaces(random)).append(f);
            if (random.nextBoolean()) record.append(spaces(random)).append(';').append(spaces(random));
            assertThat(parse(record.toString())).as(record.toString()).isEqualTo(valid(id));
        }
    }

    private static String spaces(Random random) {
        return randomString(random, " \t", random.nextInt(3));
    }

    private static String randomString(Random random, String alphabet, int length) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        return b.toString();
    }
}

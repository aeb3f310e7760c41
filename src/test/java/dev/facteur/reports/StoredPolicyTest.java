package dev.facteur.reports;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dmarc.DmarcRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A policy as the store keeps it: a DMARC record again, which reads back into an equal one. */
class StoredPolicyTest {

    private static DmarcRecord parse(String text) {
        return ((DmarcRecord.Parse.Valid) DmarcRecord.parse(text)).record();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "v=DMARC1; p=reject",
            "v=DMARC1; p=quarantine; sp=none; np=reject; adkim=s; aspf=s; fo=1:d; rua=mailto:a@b.test,mailto:c@d.test!10m",
            "v=DMARC1; p=none; t=y; psd=n; pct=0; ri=3600; ruf=mailto:f@b.test",
            "v=DMARC1; p=REJECT; rua=mailto:d%2Cmarc@b.test!2k, https://r.test/x",
            "v=DMARC1; rua=mailto:a@b.test", // no p: read as p=none
            "v=DMARC1; p=reject; sp=junk; rua=mailto:a@b.test", // an invalid sp with a rua: read as p=none
    })
    void aRecordReadsBackEqual(String published) {
        DmarcRecord r = parse(published);
        assertThat(StoredPolicy.read(StoredPolicy.write(r))).isEqualTo(r);
    }

    @Test
    void whatIsStoredIsARecordAPersonCanRead() {
        assertThat(StoredPolicy.write(parse("v=DMARC1; p=reject; rua=mailto:dmarc@reports.test")))
                .isEqualTo("v=DMARC1; p=reject; adkim=r; aspf=r; fo=0; rua=mailto:dmarc@reports.test");
    }
}

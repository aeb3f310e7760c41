package dev.facteur.message;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A header section's fields: continuation lines belong to the field before, the ending empty line to none. */
class HeaderSectionTest {

    @Test
    void fieldsKeepTheirFoldingAndCrlf() {
        assertThat(HeaderSection.fields("From: a@x.test\r\nTo: b@x.test,\r\n\tc@x.test\r\nSubject : hi\r\n\r\n"))
                .containsExactly("From: a@x.test\r\n", "To: b@x.test,\r\n\tc@x.test\r\n", "Subject : hi\r\n");
        assertThat(HeaderSection.fields("")).isEmpty();
    }

    @Test
    void namesAreLowerCaseWithoutTheSpaceBeforeTheColon() {
        assertThat(HeaderSection.name("Subject : hi\r\n")).isEqualTo("subject");
        assertThat(HeaderSection.name("no field here\r\n")).isEmpty();
        assertThat(HeaderSection.value("To: b@x.test\r\n")).isEqualTo(" b@x.test\r\n");
    }
}

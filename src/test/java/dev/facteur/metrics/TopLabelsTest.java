package dev.facteur.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A bounded label: the most frequent values keep their names, the rest are "other", whatever comes. */
class TopLabelsTest {

    private final List<String> demoted = new ArrayList<>();

    @Test
    void theFirstValuesAreNamedAtOnceUntilTheTopIsFull() {
        var labels = new TopLabels(2, 10, 1000, demoted::add);
        assertThat(labels.label("gmail.com")).isEqualTo("gmail.com");
        assertThat(labels.label("yahoo.com")).isEqualTo("yahoo.com");
        assertThat(labels.label("example.org")).isEqualTo("other");
        assertThat(labels.label("gmail.com")).isEqualTo("gmail.com");
        assertThat(labels.named()).containsExactlyInAnyOrder("gmail.com", "yahoo.com");
    }

    @Test
    void aValueSeenMoreOftenTakesTheNameOfARareOneAtTheNextRanking() {
        var labels = new TopLabels(2, 10, 10, demoted::add);
        labels.label("rare.example"); // named at once: the top has room
        labels.label("gmail.com");
        for (int i = 0; i < 7; i++) assertThat(labels.label("outlook.com")).isEqualTo("other");
        // the tenth observation ranks: outlook.com (7) and gmail.com (2 with this one) before rare.example (1)
        assertThat(labels.label("gmail.com")).isEqualTo("gmail.com");
        assertThat(labels.named()).containsExactlyInAnyOrder("outlook.com", "gmail.com");
        assertThat(demoted).containsExactly("rare.example");
        assertThat(labels.label("rare.example")).isEqualTo("other");
    }

    @Test
    void equalCountsKeepTheValuesAlreadyNamed() { // no swapping of series at every round
        var labels = new TopLabels(1, 10, 4, demoted::add);
        labels.label("first.example");
        labels.label("second.example");
        labels.label("second.example");
        labels.label("first.example"); // ranking: 2 each
        assertThat(labels.named()).containsExactly("first.example");
        assertThat(demoted).isEmpty();
    }

    @Test
    void aTorrentOfOneOffDomainsNeverTakesANameAndABusyNewcomerTakesOneAtOnce() {
        var labels = new TopLabels(20, 200, 100, demoted::add);
        Random random = new Random(15);
        Set<String> issued = new HashSet<>();
        List<String> busy = new ArrayList<>(List.of("gmail.com", "outlook.com", "yahoo.com"));
        for (int i = 0; i < 200_000; i++) {
            if (i == 100_000) busy.add("icloud.com"); // a new customer, halfway
            String domain = i % 4 == 0 ? busy.get(i / 4 % busy.size()) : "x" + random.nextLong() + ".example";
            String label = labels.label(domain);
            assertThat(label).isIn(domain, "other");
            issued.add(label);
        }
        assertThat(labels.named()).hasSize(20).containsAll(busy);
        assertThat(demoted).as("only the newcomer moved a name: one-offs never outrank one-offs").hasSize(1);
        assertThat(issued).as("every name ever given: the first twenty, the newcomer and other").hasSize(22);
    }

    @Test
    void theTopMustBeSmallerThanWhatIsCounted() {
        assertThatThrownBy(() -> new TopLabels(20, 20, 1, demoted::add)).isInstanceOf(IllegalArgumentException.class);
    }
}

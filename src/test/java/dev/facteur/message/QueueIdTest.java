package dev.facteur.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueueIdTest {

    @Test
    void idsAreShortUniqueAndSortByTimeAsStrings() {
        var gen = new QueueId.Generator();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) ids.add(gen.next(1_790_000_000_000L + i / 100).toString());
        assertThat(new HashSet<>(ids)).hasSize(ids.size());
        assertThat(ids).isSorted().allSatisfy(id -> assertThat(id).hasSize(13));
    }

    @Test
    void idsStayIncreasingWhenTheClockGoesBack() {
        var gen = new QueueId.Generator();
        QueueId a = gen.next(2_000_000);
        QueueId b = gen.next(1_000_000);
        assertThat(b).isGreaterThan(a);
    }

    @Test
    void afterARestartIdsComeAfterTheNewestQueuedOneEvenWithAClockThatWentBack() {
        QueueId queued = new QueueId.Generator().next(2_000_000);
        QueueId next = new QueueId.Generator(queued).next(1_000_000);
        assertThat(next).isGreaterThan(queued);
    }

    @Test
    void parseIsTheInverseOfToString() {
        long before = System.currentTimeMillis();
        QueueId id = new QueueId.Generator().next();
        long after = System.currentTimeMillis();
        assertThat(QueueId.parse(id.toString())).isEqualTo(id);
        assertThat(QueueId.parse(id.toString().toLowerCase())).isEqualTo(id);
        assertThat(id.timestamp().toEpochMilli()).as("the time it was made").isBetween(before, after);
    }
}

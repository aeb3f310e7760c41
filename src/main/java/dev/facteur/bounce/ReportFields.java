package dev.facteur.bounce;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code Name: value} fields in the order they were written: a header section (RFC 5322 §2.2), a
 * group of delivery-status fields (RFC 3464 §2.1) or a feedback report (RFC 5965 §3.1). Values
 * are unfolded (the line breaks of continuation lines removed, RFC 5322 §2.2.3) and trimmed;
 * names are kept as written and looked up without regard to case.
 */
public record ReportFields(List<Field> list) {

    /** One field. */
    public record Field(String name, String value) {}

    public static final ReportFields NONE = new ReportFields(List.of());

    public ReportFields {
        list = List.copyOf(list);
    }

    /** The value of the first field called {@code name}. */
    public Optional<String> first(String name) {
        for (Field f : list) if (f.name.equalsIgnoreCase(name)) return Optional.of(f.value);
        return Optional.empty();
    }

    /** The values of every field called {@code name}, in order. */
    public List<String> all(String name) {
        List<String> out = new ArrayList<>();
        for (Field f : list) if (f.name.equalsIgnoreCase(name)) out.add(f.value);
        return out;
    }

    public boolean has(String name) {
        return first(name).isPresent();
    }

    public boolean isEmpty() {
        return list.isEmpty();
    }

    public int size() {
        return list.size();
    }
}

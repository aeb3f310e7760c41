package dev.facteur.doctor;

import java.io.PrintWriter;

/**
 * The report for people: subject by subject, one line a check, each problem followed by its
 * details and its fix, then a summary line. Colours only when asked (a terminal): a file or a
 * pipe gets plain text.
 *
 * <pre>
 * Server mx.example.org
 *   ✓ 192.0.2.10 has reverse DNS: mx.example.org
 *   ✗ 192.0.2.10 is listed on bl.example (127.0.0.2)
 *       receivers that use this list refuse mail from it; ...
 *       fix: request delisting of 192.0.2.10 at bl.example
 * </pre>
 */
public final class Checklist {

    private static final String RESET = "\033[0m", GREEN = "\033[32m", YELLOW = "\033[33m", RED = "\033[31m", DIM = "\033[2m",
            BOLD = "\033[1m";

    private final boolean colour;
    private final boolean unicode;

    /**
     * @param colour  ANSI colours
     * @param unicode ✓ and ✗, where the output's character set has them; otherwise ok, !, X
     */
    public Checklist(boolean colour, boolean unicode) {
        this.colour = colour;
        this.unicode = unicode;
    }

    public void print(Report report, PrintWriter out) {
        for (Subject s : report.subjects()) {
            out.println(paint(BOLD, (s.kind().equals(Subject.SERVER) ? "Server " : "Domain ") + s.name()));
            for (Check c : s.checks()) {
                out.println("  " + mark(c) + " " + c.title());
                boolean problem = c instanceof Check.Warn || c instanceof Check.Fail;
                if (problem && !c.details().isEmpty()) out.println("      " + c.details());
                if (c instanceof Check.Skipped && !c.details().isEmpty()) out.println("      " + paint(DIM, c.details()));
                for (int i = 0; i < c.fix().size(); i++) out.println((i == 0 ? "      fix: " : "           ") + c.fix().get(i));
            }
            out.println();
        }
        out.println(paint(report.exitCode() == 0 ? (report.count("warn") == 0 ? GREEN : YELLOW) : RED, report.summary()));
        out.flush();
    }

    private String mark(Check c) {
        return switch (c) {
            case Check.Pass p -> paint(GREEN, unicode ? "✓" : "ok");
            case Check.Warn w -> paint(YELLOW, "!");
            case Check.Fail f -> paint(RED, unicode ? "✗" : "X");
            case Check.Skipped s -> paint(DIM, "-");
        };
    }

    private String paint(String colourCode, String text) {
        return colour ? colourCode + text + RESET : text;
    }
}

package dev.facteur.doctor;

import dev.facteur.auth.spf.Spf;
import dev.facteur.auth.spf.SpfResult;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SPF of the EHLO names (RFC 7208 §2.3). A bounce has no sender, so receivers check SPF against
 * "postmaster@" the EHLO name instead (§2.4): without a record there, our DSNs fail or get
 * "none", and DMARC reports show the name.
 */
final class HeloSpfCheck implements ServerChecks {

    private final Spf spf;

    HeloSpfCheck(Spf spf) {
        this.spf = spf;
    }

    @Override
    public List<Check> check(Installation server) {
        Map<String, List<InetAddress>> byName = new LinkedHashMap<>();
        for (Sender s : server.senders()) byName.computeIfAbsent(s.helo(), h -> new ArrayList<>()).add(s.address());
        List<Check> out = new ArrayList<>();
        byName.forEach((helo, addresses) -> {
            Domain name = new Domain(helo, false);
            String fix = Records.txt(helo, SpfChecks.suggestion(name, "v=spf1 -all", addresses));
            for (InetAddress a : addresses) {
                SpfResult r = spf.checkHelo(a, helo).result();
                if (r instanceof SpfResult.None(var reason)) { // said once for the name, whichever address asks
                    out.add(Check.warn(helo + " has no SPF record", "bounces are checked against the EHLO name (RFC 7208 §2.4): " + reason, fix));
                    break;
                }
                String who = "SPF of the EHLO name " + helo + " for " + Records.text(a);
                out.add(switch (r) {
                    case SpfResult.Pass(var m) -> Check.pass("SPF of the EHLO name " + helo + " lets " + Records.text(a) + " send (" + m + ")", "");
                    case SpfResult.TempError(var problem) -> Check.warn(who + " could not be evaluated now", problem);
                    case SpfResult.PermError(var problem) -> Check.fail(who + ": permerror: " + problem,
                            "receivers treat the record as an error", fix);
                    default -> Check.fail(who + ": " + r.keyword(), "bounces from this server fail SPF", fix);
                });
            }
        });
        return out;
    }
}

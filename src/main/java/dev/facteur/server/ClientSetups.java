package dev.facteur.server;

import dev.facteur.autoconfig.ClientSetup;
import dev.facteur.config.Config;
import dev.facteur.net.HostPort;
import java.util.List;

/** What mail clients are told, from the configuration: the submission ports that listen, the IMAP server published. */
public final class ClientSetups {

    private ClientSetups() {}

    /** From the configuration alone (the command that prints what to publish). */
    public static ClientSetup of(Config config) {
        return of(config, port(config.submission().listen()), port(config.submission().listenTls()));
    }

    /** With the ports the submission listeners are bound to (a configured port 0 is any free one). */
    static ClientSetup of(Config config, int submissionPort, int submissionsPort) {
        var ac = config.autoconfig();
        return new ClientSetup(config.hostname(), submissionPort, submissionsPort,
                ac.imap().map(i -> new ClientSetup.Imap(i.host(), i.port())).orElse(null), ac.displayName());
    }

    /** The port clients use: the first listen address's. */
    private static int port(List<HostPort> listen) {
        return listen.isEmpty() ? 0 : listen.getFirst().port();
    }
}

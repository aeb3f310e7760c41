package dev.facteur.server;

import dev.facteur.config.Config;
import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import dev.facteur.smtp.MessageSink;
import dev.facteur.smtp.RelayControl;
import dev.facteur.smtp.SmtpServer;
import dev.facteur.smtp.SmtpSettings;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.Spool;
import dev.facteur.tls.PemTls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running Facteur: the spool and the SMTP listeners built from a {@link Config}. */
public final class Facteur implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("facteur");

    private final Config config;
    private final Spool spool;
    private final SmtpServer smtp;

    private Facteur(Config config, Spool spool, SmtpServer smtp) {
        this.config = config;
        this.spool = spool;
        this.smtp = smtp;
    }

    /** Opens the spool, binds the listeners; if any step fails nothing is left running. */
    public static Facteur start(Config config) throws IOException {
        SSLContext tls = null;
        if (config.tls().isPresent()) {
            var t = config.tls().get();
            tls = PemTls.serverContext(t.certificate(), t.privateKey());
        }
        Spool spool = LogSpool.open(config.spoolDir());
        try {
            Set<String> local = new HashSet<>(config.local().domains());
            var settings = new SmtpSettings(config.hostname(), config.smtp().listen(), config.smtp().maxMessageSize(),
                    config.smtp().maxRecipients(), config.smtp().maxErrors(), config.smtp().maxConnections(),
                    config.smtp().maxConnectionsPerIp(), config.smtp().commandTimeout(), config.smtp().dataTimeout(),
                    new RelayControl(local, config.relay().networks()), tls);
            SmtpServer smtp = new SmtpServer(settings, sinkFor(spool), new QueueId.Generator(), Clock.systemDefaultZone());
            smtp.start();
            log.info("Facteur started as {} (config: {}, data: {})", config.hostname(), config.source(),
                    config.dataDir().toAbsolutePath());
            return new Facteur(config, spool, smtp);
        } catch (IOException | RuntimeException e) {
            spool.close();
            throw e;
        }
    }

    /** The SMTP server only needs somewhere durable to put messages; the spool is that place. */
    private static MessageSink sinkFor(Spool spool) {
        return id -> {
            Spool.Draft d = spool.draft(id);
            return new MessageSink.Draft() {
                @Override
                public OutputStream content() {
                    return d.content();
                }

                @Override
                public void commit(Envelope envelope) throws IOException {
                    d.commit(envelope);
                }

                @Override
                public void close() {
                    d.close();
                }
            };
        };
    }

    public Config config() {
        return config;
    }

    public Spool spool() {
        return spool;
    }

    public List<InetSocketAddress> smtpAddresses() {
        return smtp.boundAddresses();
    }

    @Override
    public void close() throws IOException {
        log.info("shutting down");
        smtp.shutdown(Duration.ofSeconds(10));
        spool.close();
        log.info("stopped");
    }
}

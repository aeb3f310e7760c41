package dev.facteur.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * {@code facteur reload}: asks the running server to read its configuration file again, over the
 * admin interface ({@code POST /reload}), and prints what it answered. The server does the same
 * on SIGHUP, which is the way when there is no admin interface (delivery off).
 */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = {"Has the running server read its configuration file again, as on SIGHUP.",
                "Prints its answer: applied (naming what changed but waits for a restart),",
                "or refused with each problem as FILE:LINE: KEY: MESSAGE, the running",
                "configuration staying. Sessions under way keep the settings they began with.",
                "Asks the admin interface ([admin] listen, with the token of [admin]",
                "token_file) of the configuration given here: give the server's own. With",
                "delivery disabled there is no admin interface: send SIGHUP instead",
                "(kill -HUP PID, or systemctl reload)."},
        exitCodeListHeading = "Exit status:%n",
        exitCodeList = {"0:the configuration was applied", "1:it was refused, or no server answered", "2:bad options"})
final class ReloadCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        JsonNode answer = AdminClient.request(spec, config, "POST", "/reload", "");
        if (answer == null) return 1; // AdminClient said why
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (answer.path("ok").asBoolean(false)) {
            out.println(answer.path("message").asString(""));
            return 0;
        }
        err.println("facteur: reload refused, the running configuration stays:");
        for (JsonNode p : answer.path("problems")) err.println(p.asString(""));
        if (answer.path("problems").isEmpty()) err.println(answer.path("message").asString(""));
        return 1;
    }
}

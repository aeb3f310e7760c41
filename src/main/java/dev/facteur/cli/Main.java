package dev.facteur.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "facteur", mixinStandardHelpOptions = true, version = "Facteur 0.1.0",
        description = "Facteur, a mail transfer agent: receives mail over SMTP, keeps it in a durable spool, and delivers it to mailboxes or other servers.",
        subcommands = {ServeCommand.class, QueueCommand.class, SuppressionCommand.class, AddressCommand.class, PolicyCommand.class, TlsCommand.class, UserCommand.class, SendmailCommand.class, AutoconfigCommand.class, DkimCommand.class, DoctorCommand.class,
                TraceCommand.class, CheckConfigCommand.class, ReloadCommand.class, AdminCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        CommandLine cli = commandLine();
        cli.setExecutionStrategy(parsed -> {
            CommandLine.ParseResult leaf = parsed;
            while (leaf.hasSubcommand()) leaf = leaf.subcommand();
            if (!(leaf.commandSpec().userObject() instanceof ServeCommand)) ToolLogging.toStderr();
            return new CommandLine.RunLast().execute(parsed);
        });
        System.exit(cli.execute(args));
    }

    /** The facteur command, ready to execute: also in-process, with its output redirected (tests). */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main()).setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("facteur: " + ex.getMessage());
            return cmd.getCommand() instanceof SendmailCommand ? SendmailCommand.EX_IOERR : 1;
        });
        // sendmail's callers read sysexits.h: a usage error is 64, not picocli's 2
        CommandLine.IParameterExceptionHandler usual = cli.getParameterExceptionHandler();
        cli.setParameterExceptionHandler((ex, args) -> {
            if (!(ex.getCommandLine().getCommand() instanceof SendmailCommand)) return usual.handleParseException(ex, args);
            ex.getCommandLine().getErr().println("sendmail: " + ex.getMessage());
            return SendmailCommand.EX_USAGE;
        });
        return cli;
    }
}

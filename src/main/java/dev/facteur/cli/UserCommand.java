package dev.facteur.cli;

import dev.facteur.config.Config;
import dev.facteur.sasl.PasswordHash;
import dev.facteur.sasl.UserFile;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code facteur user}: the users who may log in on the submission ports, in {@code [submission]
 * users_file}. Passwords come from a prompt or from standard input, never from the command line
 * (where {@code ps} and shell histories would show them). The running server reads the file
 * again within seconds of a change.
 */
@Command(name = "user", mixinStandardHelpOptions = true, description = "The users who may log in to send mail (submission).",
        subcommands = {UserCommand.Add.class, UserCommand.Passwd.class, UserCommand.Del.class, UserCommand.ListUsers.class})
final class UserCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** What add and passwd share: the user, the scheme, and reading the password. */
    abstract static class SetPassword implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Parameters(index = "0", paramLabel = "NAME", description = "The login, usually the whole address: alice@example.org.")
        String name;

        @Option(names = "--scheme", paramLabel = "SCHEME", defaultValue = "ARGON2ID",
                description = "Password hash: ARGON2ID (default), BLF-CRYPT or SHA512-CRYPT.")
        String scheme;

        abstract boolean mustExist();

        @Override
        public Integer call() throws Exception {
            Path file = config.load().submission().usersFile();
            Map<String, PasswordHash> users = Files.exists(file) ? UserFile.read(file) : Map.of();
            if (mustExist() && !users.containsKey(name)) {
                System.err.println("facteur user: no user " + name + " in " + file);
                return 1;
            }
            if (!mustExist() && users.containsKey(name)) {
                System.err.println("facteur user: " + name + " exists already in " + file + " (facteur user passwd changes the password)");
                return 1;
            }
            PasswordHash.Scheme s;
            try {
                s = PasswordHash.Scheme.of(scheme);
            } catch (IllegalArgumentException e) {
                System.err.println("facteur user: " + e.getMessage());
                return 2;
            }
            char[] password = readPassword();
            if (password == null) return 1;
            try {
                UserFile.update(file, name, PasswordHash.of(password, s));
            } finally {
                Arrays.fill(password, '\0');
            }
            System.out.println((mustExist() ? "changed the password of " : "added ") + name + " in " + file);
            return 0;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = {"Adds a user; the password from a prompt (twice),",
            "or the first line of standard input when it is not a terminal."})
    static final class Add extends SetPassword {
        @Override
        boolean mustExist() {
            return false;
        }
    }

    @Command(name = "passwd", mixinStandardHelpOptions = true, description = "Sets a user's password, read as for add.")
    static final class Passwd extends SetPassword {
        @Override
        boolean mustExist() {
            return true;
        }
    }

    @Command(name = "del", mixinStandardHelpOptions = true, description = "Removes a user.")
    static final class Del implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            Path file = config.load().submission().usersFile();
            if (!Files.exists(file) || !UserFile.update(file, name, null)) {
                System.err.println("facteur user: no user " + name + " in " + file);
                return 1;
            }
            System.out.println("removed " + name + " from " + file);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the users and their password schemes.")
    static final class ListUsers implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Override
        public Integer call() throws Exception {
            Config c = config.load();
            Path file = c.submission().usersFile();
            if (!Files.exists(file)) {
                System.out.println("no users yet (" + file + " does not exist)");
                return 0;
            }
            UserFile.read(file).forEach((user, hash) -> System.out.println(user + "\t{" + hash.scheme().label() + "}"));
            return 0;
        }
    }

    /** From the terminal, asked twice; else the first line of standard input. Null (and a message) when there is none. */
    static char[] readPassword() throws IOException {
        Console console = System.console();
        if (console != null && console.isTerminal()) {
            char[] first = console.readPassword("password: ");
            char[] again = console.readPassword("again: ");
            if (first == null || again == null || !Arrays.equals(first, again)) {
                System.err.println("facteur user: the passwords differ");
                return null;
            }
            Arrays.fill(again, '\0');
            return checked(first);
        }
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        return checked(line == null ? null : line.toCharArray());
    }

    private static char[] checked(char[] password) {
        if (password == null || password.length == 0) {
            System.err.println("facteur user: no password given (a prompt, or one line on standard input)");
            return null;
        }
        return password;
    }
}

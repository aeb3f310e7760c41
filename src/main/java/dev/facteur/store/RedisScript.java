package dev.facteur.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import redis.clients.jedis.CommandObjects;
import redis.clients.jedis.Connection;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * A Lua script that Redis runs atomically: sent by its SHA-1 ({@code EVALSHA}), and whole
 * ({@code EVAL}, which also caches it) the first time a Redis does not know it, after a restart or
 * a {@code SCRIPT FLUSH}.
 */
record RedisScript(String name, String source, String sha) {

    private static final CommandObjects COMMANDS = new CommandObjects(RedisProtocol.RESP2);

    static RedisScript of(String name, String source) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
            return new RedisScript(name, source, HexFormat.of().formatHex(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs it on {@code c}; {@code beforeEach} runs before each command sent (to set what is left of the deadline). */
    Object run(Connection c, List<String> keys, List<String> args, Runnable beforeEach) {
        beforeEach.run();
        try {
            return c.executeCommand(COMMANDS.evalsha(sha, keys, args));
        } catch (JedisNoScriptException e) {
            beforeEach.run();
            return c.executeCommand(COMMANDS.eval(source, keys, args));
        }
    }

    @Override
    public String toString() {
        return name;
    }
}

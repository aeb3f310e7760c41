package dev.facteur.store;

import static dev.facteur.store.RedisGreylistStore.KEEP;
import static dev.facteur.store.RedisGreylistStore.ms;
import static dev.facteur.store.SuppressionRecord.member;

import dev.facteur.message.Mailbox;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The suppression list in Redis, shared by every node that uses the same Redis and prefix. Each
 * operation is one Lua script, so Redis runs it whole, in one order for every node. Keys:
 * <ul>
 * <li>{@code PREFIX supp: SCOPE|KEY}, a hash of the entry ({@link SuppressionRecord}'s fields);
 * <li>{@code PREFIX supp-index}, a sorted set of every {@code SCOPE|KEY} with one score, so that
 *     listings page through it in lexical order ({@code ZRANGEBYLEX}), never with {@code KEYS};
 * <li>{@code PREFIX supp-expiry: SCOPE|REASON}, the KEYs of a scope and reason scored by their
 *     expiry ({@code +inf}: never), so that counting those that hold is one {@code ZCOUNT};
 * <li>{@code PREFIX supp-address: KEY}, the set of scopes an address is in;
 * <li>{@code PREFIX supp-soft: SCOPE|KEY}, the times of the soft bounces, a sorted set.
 * </ul>
 * Whether an entry holds goes by the {@code now} the caller passes, never Redis's clock. An
 * expiring entry's hash lives until {@link RedisGreylistStore#KEEP} after its expiry, and the
 * indexes' members of entries expired that long ago are collected, a hundred per reason, by each
 * {@link #put} to the scope, and by listings and {@link #entries} when they meet them. Some
 * scripts name keys they did not declare (the entries of an address's scopes), so this store
 * needs one Redis, not a Redis Cluster, as the others do in practice.
 */
final class RedisSuppressionStore implements SuppressionStore {

    /** Index members of entries expired before {@code before}: gone from the indexes. ARGV of PUT: 3 scope, 8 prefix. */
    private static final String COLLECT = """
            local function collect(zset, before)
              local gone = redis.call('ZRANGEBYSCORE', zset, '-inf', '(' .. string.format('%.0f', before), 'LIMIT', 0, 100)
              for _, key in ipairs(gone) do
                redis.call('ZREM', zset, key)
                redis.call('ZREM', KEYS[2], ARGV[3] .. '|' .. key)
                redis.call('SREM', ARGV[8] .. 'supp-address:' .. key, ARGV[3])
              end
            end
            """;

    /**
     * KEYS: the entry, the index, the address's scopes, the scope's five expiry sets (in the order
     * of {@link Reason}). ARGV: member, key, scope, reason (1 to 5), now, expires ("" never),
     * KEEP (ms), prefix, then the entry's fields and values.
     */
    private static final RedisScript PUT = RedisScript.of("suppression put", COLLECT + """
            local now, keep = tonumber(ARGV[5]), tonumber(ARGV[7])
            for i = 4, 8 do redis.call('ZREM', KEYS[i], ARGV[2]) end
            redis.call('DEL', KEYS[1])
            redis.call('HSET', KEYS[1], unpack(ARGV, 9))
            local score = '+inf'
            if ARGV[6] ~= '' then score = ARGV[6] end
            redis.call('ZADD', KEYS[3 + tonumber(ARGV[4])], score, ARGV[2])
            redis.call('ZADD', KEYS[2], 0, ARGV[1])
            local ttl = redis.call('PTTL', KEYS[3])
            redis.call('SADD', KEYS[3], ARGV[3])
            if ARGV[6] == '' then
              redis.call('PERSIST', KEYS[3])
            else
              local live = math.max(tonumber(ARGV[6]) - now, 0) + keep
              redis.call('PEXPIRE', KEYS[1], string.format('%.0f', live))
              if ttl == -2 or (ttl >= 0 and ttl < live) then redis.call('PEXPIRE', KEYS[3], string.format('%.0f', live)) end
            end
            for i = 4, 8 do collect(KEYS[i], now - keep) end
            return 1
            """);

    /** KEYS: as PUT's. ARGV: member, key, scope. The entry that was there, as HGETALL answers it. */
    private static final RedisScript REMOVE = RedisScript.of("suppression remove", """
            local all = redis.call('HGETALL', KEYS[1])
            redis.call('DEL', KEYS[1])
            redis.call('ZREM', KEYS[2], ARGV[1])
            redis.call('SREM', KEYS[3], ARGV[3])
            for i = 4, 8 do redis.call('ZREM', KEYS[i], ARGV[2]) end
            return all
            """);

    /** KEYS: entries. Each one's HGETALL. */
    private static final RedisScript GET = RedisScript.of("suppression get", """
            local out = {}
            for i, k in ipairs(KEYS) do out[i] = redis.call('HGETALL', k) end
            return out
            """);

    /** KEYS: the address's scopes. ARGV: the entries' key prefix, key. The HGETALL of the entry in each scope. */
    private static final RedisScript ENTRIES = RedisScript.of("suppression entries", """
            local out = {}
            for _, scope in ipairs(redis.call('SMEMBERS', KEYS[1])) do
              local e = redis.call('HGETALL', ARGV[1] .. scope .. '|' .. ARGV[2])
              if #e == 0 then redis.call('SREM', KEYS[1], scope) else out[#out + 1] = e end
            end
            return out
            """);

    /**
     * KEYS: the index. ARGV: min and max (ZRANGEBYLEX's), limit, now, the entries' key prefix, most
     * members to look at. The HGETALLs of the entries that hold, and where to go on ("" at the end).
     */
    private static final RedisScript LIST = RedisScript.of("suppression list", """
            local min, max, limit, now, budget = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[6])
            local out, last = {}, nil
            while #out < limit and budget > 0 do
              local batch = redis.call('ZRANGEBYLEX', KEYS[1], min, max, 'LIMIT', 0, math.min(limit - #out, budget))
              if #batch == 0 then return {out, ''} end
              for _, m in ipairs(batch) do
                budget = budget - 1
                last = m
                local expires = redis.call('HGET', ARGV[5] .. m, 'expires')
                if not expires then
                  redis.call('ZREM', KEYS[1], m)
                elseif expires == '' or tonumber(expires) > now then
                  out[#out + 1] = redis.call('HGETALL', ARGV[5] .. m)
                end
              end
              min = '(' .. last
            end
            if #redis.call('ZRANGEBYLEX', KEYS[1], min, max, 'LIMIT', 0, 1) == 0 then return {out, ''} end
            return {out, last}
            """);

    /** KEYS: the scope's five expiry sets. ARGV: now. The entries of each that expire after now. */
    private static final RedisScript COUNT = RedisScript.of("suppression count", """
            local out = {}
            for i, k in ipairs(KEYS) do out[i] = redis.call('ZCOUNT', k, '(' .. ARGV[1], '+inf') end
            return out
            """);

    /** KEYS: the soft bounces. ARGV: now, window, a member of its own, KEEP (ms), most kept. */
    private static final RedisScript SOFT_BOUNCE = RedisScript.of("suppression soft bounce", """
            local now, window, most = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[5])
            redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - window))
            local n = redis.call('ZCARD', KEYS[1])
            if n > most then
              redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - most - 1)
              n = most
            end
            redis.call('PEXPIRE', KEYS[1], string.format('%.0f', window + tonumber(ARGV[4])))
            return n
            """);

    private static final RedisScript FORGET = RedisScript.of("suppression forget soft bounces", "return redis.call('DEL', KEYS[1])\n");

    /** Index members a listing looks at, per entry asked for, at most: expired ones are skipped within this. */
    private static final int LOOK_AT = 10;

    private final RedisConnections redis;
    private final String prefix;
    private final Runnable closer;

    RedisSuppressionStore(RedisConnections redis, String prefix, Runnable closer) {
        this.redis = redis;
        this.prefix = prefix;
        this.closer = closer;
    }

    @Override
    public void put(Entry e) {
        String key = e.key();
        List<String> args = new ArrayList<>(List.of(member(e.scope(), key), key, e.scope(), Integer.toString(e.reason().ordinal() + 1),
                ms(e.created()), e.expires().map(RedisGreylistStore::ms).orElse(""), ms(KEEP), prefix));
        args.addAll(SuppressionRecord.fields(e));
        redis.eval(PUT, keys(e.scope(), key), args);
    }

    @Override
    public Optional<Entry> get(String scope, Mailbox address, Instant now) {
        return read(List.of(SuppressionStore.validScope(scope)), address, now).getFirst();
    }

    @Override
    public Optional<Entry> find(Mailbox address, String senderDomain, Instant now) {
        List<Optional<Entry>> both = read(List.of(SuppressionStore.validScope(senderDomain), GLOBAL), address, now);
        return both.get(0).or(() -> both.get(1));
    }

    /** The entries that hold in each of {@code scopes}, in one script. */
    private List<Optional<Entry>> read(List<String> scopes, Mailbox address, Instant now) {
        String key = SuppressionStore.key(address);
        List<String> keys = scopes.stream().map(s -> entry(member(s, key))).toList();
        List<Optional<Entry>> out = new ArrayList<>();
        for (Object one : (List<?>) redis.eval(GET, keys, List.of()))
            out.add(Optional.ofNullable(SuppressionRecord.fromFields((List<?>) one)).filter(e -> e.holdsAt(now)));
        return out;
    }

    @Override
    public List<Entry> entries(Mailbox address, Instant now) {
        String key = SuppressionStore.key(address);
        Object reply = redis.eval(ENTRIES, List.of(prefix + "supp-address:" + key), List.of(prefix + "supp:", key));
        return ((List<?>) reply).stream().map(one -> SuppressionRecord.fromFields((List<?>) one)).filter(Objects::nonNull)
                .filter(e -> e.holdsAt(now)).sorted(Comparator.comparing(Entry::scope)).toList();
    }

    @Override
    public Optional<Entry> remove(String scope, Mailbox address, Instant now) {
        String s = SuppressionStore.validScope(scope);
        String key = SuppressionStore.key(address);
        Object reply = redis.eval(REMOVE, keys(s, key), List.of(member(s, key), key, s));
        return Optional.ofNullable(SuppressionRecord.fromFields((List<?>) reply)).filter(e -> e.holdsAt(now));
    }

    @Override
    public Page list(Optional<String> scope, String after, int limit, Instant now) {
        if (limit < 1 || limit > MAX_PAGE) throw new IllegalArgumentException("a page of 1 to " + MAX_PAGE + " entries: " + limit);
        String min, max;
        if (scope.isPresent()) {
            String s = SuppressionStore.validScope(scope.get());
            String range = s + "|";
            min = after.compareTo(range) > 0 ? "(" + after : "[" + range;
            max = "(" + s + "}"; // '}' follows '|': before it end the scope's members
        } else {
            min = after.isEmpty() ? "-" : "(" + after;
            max = "+";
        }
        List<?> reply = (List<?>) redis.eval(LIST, List.of(index()), List.of(min, max, Integer.toString(limit), ms(now),
                prefix + "supp:", Integer.toString(limit * LOOK_AT)));
        List<Entry> entries = ((List<?>) reply.get(0)).stream().map(one -> SuppressionRecord.fromFields((List<?>) one))
                .filter(Objects::nonNull).toList();
        String next = SuppressionRecord.text(reply.get(1));
        return new Page(entries, next.isEmpty() ? Optional.empty() : Optional.of(next));
    }

    @Override
    public Map<Reason, Long> count(String scope, Instant now) {
        String s = SuppressionStore.validScope(scope);
        List<?> reply = (List<?>) redis.eval(COUNT, expirySets(s), List.of(ms(now)));
        Map<Reason, Long> out = new EnumMap<>(Reason.class);
        for (Reason r : Reason.values()) out.put(r, (Long) reply.get(r.ordinal()));
        return out;
    }

    @Override
    public int softBounce(String scope, Mailbox address, Instant now, Duration window) {
        if (!window.isPositive()) throw new IllegalArgumentException("a window of soft bounces must be positive: " + window);
        Object n = redis.eval(SOFT_BOUNCE, List.of(softBounces(scope, address)), List.of(ms(now), ms(window),
                ms(now) + ":" + UUID.randomUUID(), ms(KEEP), Integer.toString(MAX_SOFT_BOUNCES)));
        return Math.toIntExact((Long) n);
    }

    @Override
    public void forgetSoftBounces(String scope, Mailbox address, Instant now) {
        redis.eval(FORGET, List.of(softBounces(scope, address)), List.of());
    }

    /** PUT's and REMOVE's keys. */
    private List<String> keys(String scope, String key) {
        List<String> keys = new ArrayList<>(List.of(entry(member(scope, key)), index(), prefix + "supp-address:" + key));
        keys.addAll(expirySets(scope));
        return keys;
    }

    private List<String> expirySets(String scope) {
        List<String> sets = new ArrayList<>();
        for (Reason r : Reason.values()) sets.add(prefix + "supp-expiry:" + scope + "|" + r.token());
        return sets;
    }

    private String entry(String member) {
        return prefix + "supp:" + member;
    }

    private String index() {
        return prefix + "supp-index";
    }

    private String softBounces(String scope, Mailbox address) {
        return prefix + "supp-soft:" + member(SuppressionStore.validScope(scope), SuppressionStore.key(address));
    }

    /** Closes the connections, and with them the other stores that share them. */
    @Override
    public void close() {
        closer.run();
    }
}

namespace StockGuard.Redis;

/// <summary>
/// The store's Lua scripts. Redis runs a script alone, so each check and its write are one step. Numbers are passed and
/// returned as text formatted with <c>%.0f</c> (Lua numbers are doubles, exact to 2^53, which is <see cref="StockLimits.MaxStock"/>);
/// instants are passed as a pair (ticks div 10^9, ticks mod 10^9), each exact in a double, plus whole milliseconds for the
/// expiry index. Time always comes from the caller (the Redis server's clock as the store keeps it, or its TimeProvider):
/// no key TTL decides an outcome.
/// </summary>
internal static class RedisScripts
{
    /// <summary>The server's clock: { seconds, microseconds } since the Unix epoch. KEYS: the key that picks the master. Writes nothing.</summary>
    public const string Time = "return redis.call('TIME')";

    private const string Common = """
        local NH, NL = tonumber(ARGV[2]), tonumber(ARGV[3])
        local NOW = ARGV[5]
        local function s(n) return string.format('%.0f', n) end
        -- whether (ah, al) is strictly before (bh, bl)
        local function before(ah, al, bh, bl) return ah < bh or (ah == bh and al < bl) end

        """;

    /// <summary>
    /// One operation on one item, all its keys on one slot. KEYS: counters, hold lines, expiry index, movements, operation
    /// record, hold record (a one-item hold's, on the same slot; else any key of the item). ARGV: op, now (hi, lo, ms, ticks),
    /// sku, location, retention of the operation record in ms (0: none), then the operation's own.
    /// Result: { status, onHand, reserved, safety, backorder, lowStock, version, ... }; { 'nf' } when the item does not exist;
    /// { 'replay', json } when the operation record holds an earlier result.
    /// </summary>
    public const string Item = Common + """
        local op = ARGV[1]
        local keep = tonumber(ARGV[8])
        if keep > 0 then
          local prev = redis.call('GET', KEYS[5])
          if prev then return { 'replay', prev } end
        end
        local it
        local v = redis.call('HMGET', KEYS[1], 'on', 'res', 'ss', 'bl', 'lt', 'ver')
        if v[6] then
          it = { on = tonumber(v[1]), res = tonumber(v[2]), ss = tonumber(v[3]), bl = tonumber(v[4]), lt = tonumber(v[5]), ver = tonumber(v[6]) }
        end
        local dirty = false
        local function move(kind, don, dres, hold, ref)
          redis.call('XADD', KEYS[4], '*', 'k', kind, 'on', s(don), 'rs', s(dres), 'hold', hold or '', 'ref', ref or '', 'at', NOW)
        end
        local function line(id)
          local raw = redis.call('HGET', KEYS[2], id)
          if raw then return cjson.decode(raw) end
          return nil
        end
        local function putline(id, l) redis.call('HSET', KEYS[2], id, cjson.encode(l)) end
        -- Expired, unpinned hold lines give their units back before anything else: an expired hold never blocks a buyer,
        -- and each expiry is one change a reader sees.
        local function prune()
          local ids = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[4])
          for _, id in ipairs(ids) do
            local l = line(id)
            if l == nil or l.s ~= 'a' then
              redis.call('ZREM', KEYS[3], id)
            elseif not before(NH, NL, l.h, l.l) then
              l.s = 'x'; l.f = NOW
              putline(id, l)
              redis.call('ZREM', KEYS[3], id)
              it.res = it.res - l.q; it.ver = it.ver + 1; dirty = true
              move('HoldExpired', 0, -l.q, id, l.r)
            end
          end
        end
        local function save()
          if dirty then redis.call('HSET', KEYS[1], 'on', s(it.on), 'res', s(it.res), 'ver', s(it.ver)) end
        end
        local function level(status, ...)
          return { status, s(it.on), s(it.res), s(it.ss), s(it.bl), s(it.lt), s(it.ver), ... }
        end
        local function done(result)
          save()
          if keep > 0 then redis.call('SET', KEYS[5], cjson.encode(result), 'PX', keep) end
          return result
        end
        local function create()
          it = { on = 0, res = 0, ss = 0, bl = 0, lt = 0, ver = 0 }
          redis.call('HSET', KEYS[1], 'sku', ARGV[6], 'loc', ARGV[7], 'on', '0', 'res', '0', 'ss', '0', 'bl', '0', 'lt', '0', 'ver', '0')
        end
        local function sellable() return it.on - it.res - it.ss + it.bl end

        if op == 'forget' then
          -- ARGV[9] hold id: a purged hold's settled line is dropped; a line still held stays
          local raw = redis.call('HGET', KEYS[2], ARGV[9])
          if raw then
            local l = cjson.decode(raw)
            if l.s ~= 'a' and l.s ~= 'p' then redis.call('HDEL', KEYS[2], ARGV[9]) end
          end
          return { 'ok' }
        end
        if op == 'policy' then
          if not it then create() end
          prune()
          it.ss, it.bl, it.lt, it.ver = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11]), it.ver + 1
          dirty = true
          redis.call('HSET', KEYS[1], 'ss', ARGV[9], 'bl', ARGV[10], 'lt', ARGV[11])
          return done(level('ok'))
        end
        if op == 'add' then
          -- ARGV[9] quantity, [10] kind, [11] reference, [12] create when missing (1/0), [13] hold
          if not it then
            if ARGV[12] ~= '1' then return { 'nf' } end
            create()
          end
          prune()
          local q = tonumber(ARGV[9])
          if it.on + q > 9007199254740992 then return level('toolarge') end
          it.on = it.on + q; it.ver = it.ver + 1; dirty = true
          move(ARGV[10], q, 0, ARGV[13], ARGV[11])
          return done(level('ok'))
        end
        if not it then
          if op == 'finish' or op == 'get' then
            -- a one-item hold whose item is gone cannot be; report the hold as unknown
            return { 'hnf' }
          end
          return { 'nf' }
        end
        prune()
        if op == 'level' then
          save()
          return level('ok')
        end
        if op == 'take' then
          -- ARGV[9] quantity, [10] kind, [11] reference
          local q = tonumber(ARGV[9])
          local left = sellable()
          if q > left then return done(level('short', s(left))) end
          it.on = it.on - q; it.ver = it.ver + 1; dirty = true
          move(ARGV[10], -q, 0, '', ARGV[11])
          return done(level('ok'))
        end
        if op == 'place' then
          -- ARGV[9] hold id, [10] quantity, [11..13] expiry hi, lo, ms, [14] reference, [15] pinned (1/0),
          -- [16] the one-item hold's record as JSON of field pairs, or ''
          local id = ARGV[9]
          local existing = line(id)
          if existing then return done(level('placed', existing.s)) end
          local q = tonumber(ARGV[10])
          local left = sellable()
          if q > left then return done(level('short', s(left))) end
          local l = { s = 'a', q = q, h = tonumber(ARGV[11]), l = tonumber(ARGV[12]), r = ARGV[14] }
          if ARGV[15] == '1' then l.s = 'p' else redis.call('ZADD', KEYS[3], ARGV[13], id) end
          putline(id, l)
          it.res = it.res + q; it.ver = it.ver + 1; dirty = true
          move('HoldPlaced', 0, q, id, ARGV[14])
          if ARGV[16] ~= '' then
            local fields = cjson.decode(ARGV[16])
            redis.call('HSET', KEYS[6], unpack(fields))
          end
          return done(level('ok'))
        end
        if op == 'pin' then
          -- ARGV[9] hold id: a live line stops expiring by time; only the hold's decision settles it now
          local id = ARGV[9]
          local l = line(id)
          if l == nil then return level('gone', 'none') end
          if l.s == 'p' then save(); return level('ok') end
          if l.s ~= 'a' then save(); return level('gone', l.s) end
          l.s = 'p'; putline(id, l); redis.call('ZREM', KEYS[3], id)
          save()
          return level('ok')
        end
        if op == 'extend' then
          -- ARGV[9] hold id, [10..12] new expiry hi, lo, ms
          local id = ARGV[9]
          local l = line(id)
          if l == nil or l.s ~= 'a' then save(); return level('gone', l and l.s or 'none') end
          l.h, l.l = tonumber(ARGV[10]), tonumber(ARGV[11]); putline(id, l)
          redis.call('ZADD', KEYS[3], ARGV[12], id)
          it.ver = it.ver + 1; dirty = true
          save()
          return level('ok')
        end
        if op == 'settle' then
          -- ARGV[9] hold id, [10] 'c' (sell ARGV[11] units), 'r' (release) or 'x' (expire)
          local id = ARGV[9]
          local l = line(id)
          if l == nil then save(); return level('gone', 'none') end
          if l.s ~= 'a' and l.s ~= 'p' then save(); return level('settled', l.s) end
          local to = ARGV[10]
          local sold = 0
          if to == 'c' then sold = tonumber(ARGV[11]) end
          redis.call('ZREM', KEYS[3], id)
          l.s = to; l.f = NOW; l.sold = sold; putline(id, l)
          it.on = it.on - sold; it.res = it.res - l.q; it.ver = it.ver + 1; dirty = true
          local kind = 'HoldReleased'
          if to == 'c' and sold > 0 then kind = 'HoldConfirmed' elseif to == 'x' then kind = 'HoldExpired' end
          move(kind, -sold, -l.q, id, l.r)
          save()
          return level('ok')
        end
        if op == 'finish' then
          -- A one-item hold, record and line on this slot. ARGV[9] hold id, [10] 'c' confirm (ARGV[11] units to sell, -1 all),
          -- 'r' release, 'e' extend (ARGV[12..14] new expiry hi, lo, ms, [15] its ticks), 'x' expire if past expiry (the sweep)
          local id, want = ARGV[9], ARGV[10]
          local r = redis.call('HMGET', KEYS[6], 'st', 'eh', 'el', 'q', 'sold')
          if not r[1] then save(); return { 'hnf' } end
          local st = r[1]
          local l = line(id)
          if st == 'a' and (not before(NH, NL, tonumber(r[2]), tonumber(r[3])) or l == nil or l.s == 'x') then
            -- Past its expiry (or its line expired on a faster clock): give the units back if still held, and say so.
            if l and (l.s == 'a' or l.s == 'p') then
              redis.call('ZREM', KEYS[3], id)
              l.s = 'x'; l.f = NOW; putline(id, l)
              it.res = it.res - l.q; it.ver = it.ver + 1; dirty = true
              move('HoldExpired', 0, -l.q, id, l.r)
            end
            st = 'x'
            redis.call('HSET', KEYS[6], 'st', 'x', 'fin', NOW)
            save()
            return level('expired', 'x', '1')
          end
          if want == 'x' then save(); return level('live', st) end
          if st ~= 'a' then save(); return level('was', st, r[5] or '0') end
          local q = tonumber(r[4])
          if want == 'c' then
            local sold = tonumber(ARGV[11])
            if sold < 0 then sold = q end
            redis.call('ZREM', KEYS[3], id)
            l.s = 'c'; l.f = NOW; l.sold = sold; putline(id, l)
            it.on = it.on - sold; it.res = it.res - q; it.ver = it.ver + 1; dirty = true
            local kind = 'HoldReleased'
            if sold > 0 then kind = 'HoldConfirmed' end
            move(kind, -sold, -q, id, l.r)
            redis.call('HSET', KEYS[6], 'st', 'c', 'sold', s(sold), 'fin', NOW)
          elseif want == 'r' then
            redis.call('ZREM', KEYS[3], id)
            l.s = 'r'; l.f = NOW; putline(id, l)
            it.res = it.res - q; it.ver = it.ver + 1; dirty = true
            move('HoldReleased', 0, -q, id, l.r)
            redis.call('HSET', KEYS[6], 'st', 'r', 'fin', NOW)
          else
            l.h, l.l = tonumber(ARGV[12]), tonumber(ARGV[13]); putline(id, l)
            redis.call('ZADD', KEYS[3], ARGV[14], id)
            it.ver = it.ver + 1; dirty = true
            redis.call('HSET', KEYS[6], 'eh', ARGV[12], 'el', ARGV[13], 'exp', ARGV[15])
          end
          save()
          return level('ok')
        end
        if op == 'return' then
          -- A one-item hold's return. ARGV[9] units, [10] reference, [11] hold id
          local r = redis.call('HMGET', KEYS[6], 'st', 'sold', 'ret')
          if not r[1] then save(); return { 'hnf' } end
          if r[1] ~= 'c' then save(); return level('was', r[1]) end
          local q, sold, ret = tonumber(ARGV[9]), tonumber(r[2] or '0'), tonumber(r[3] or '0')
          if q > sold - ret then save(); return level('toomany', s(sold), s(ret)) end
          redis.call('HSET', KEYS[6], 'ret', s(ret + q))
          it.on = it.on + q; it.ver = it.ver + 1; dirty = true
          move('Return', q, 0, ARGV[11], ARGV[10])
          return done(level('ok'))
        end
        return redis.error_reply('unknown operation ' .. op)
        """;

    /// <summary>
    /// The decision on a hold that spans slots, on its record alone. KEYS: the record. ARGV: op, now (hi, lo, ms, ticks), then:
    /// 'decide' [6] new state c/r/x, [7] sold JSON; 'extend' [6..8] new expiry hi, lo, ms, [9] ticks; 'done' (the lines are
    /// settled); 'return' [6] JSON of { index, units } pairs. Result: { status, state, ... }.
    /// </summary>
    public const string Hold = Common + """
        local op = ARGV[1]
        if op == 'create' then
          -- ARGV[6]: the record's field pairs as JSON; a record made by an earlier try of the same operation stays
          if redis.call('EXISTS', KEYS[1]) == 1 then return { 'exists' } end
          redis.call('HSET', KEYS[1], unpack(cjson.decode(ARGV[6])))
          return { 'ok' }
        end
        local r = redis.call('HMGET', KEYS[1], 'st', 'eh', 'el', 'sold', 'ret')
        if not r[1] then return { 'hnf' } end
        local st = r[1]
        local live = st == 'a' and before(NH, NL, tonumber(r[2]), tonumber(r[3]))
        if op == 'decide' then
          local want = ARGV[6]
          if st ~= 'a' then return { 'was', st } end
          if not live and want ~= 'x' then want = 'x' end
          redis.call('HSET', KEYS[1], 'st', want, 'fin', NOW, 'todo', '1')
          if want == 'c' then redis.call('HSET', KEYS[1], 'sold', ARGV[7]) end
          if want ~= ARGV[6] then return { 'expired', want } end
          return { 'ok', want }
        end
        if op == 'extend' then
          if st ~= 'a' then return { 'was', st } end
          if not live then return { 'expired', st } end
          redis.call('HSET', KEYS[1], 'eh', ARGV[6], 'el', ARGV[7], 'exp', ARGV[9])
          return { 'ok', st }
        end
        if op == 'done' then
          redis.call('HDEL', KEYS[1], 'todo')
          return { 'ok', st }
        end
        if op == 'return' then
          if st ~= 'c' then return { 'was', st } end
          -- ARGV[7]: the return's token; a return recorded before is not counted twice
          if redis.call('HEXISTS', KEYS[1], 'rt:' .. ARGV[7]) == 1 then return { 'ok', st } end
          local sold = cjson.decode(r[4])
          local ret = {}
          if r[5] then ret = cjson.decode(r[5]) end
          local asked = cjson.decode(ARGV[6])
          for _, a in ipairs(asked) do
            local i, q = a[1], a[2]
            local have = (sold[i] or 0) - (ret[tostring(i)] or 0)
            if q > have then return { 'toomany', s(i), s(sold[i] or 0), s(ret[tostring(i)] or 0) } end
          end
          for _, a in ipairs(asked) do
            ret[tostring(a[1])] = (ret[tostring(a[1])] or 0) + a[2]
          end
          redis.call('HSET', KEYS[1], 'ret', cjson.encode(ret), 'rt:' .. ARGV[7], '1')
          return { 'ok', st }
        end
        return redis.error_reply('unknown operation ' .. op)
        """;

    /// <summary>
    /// Claims an idempotency key. KEYS: its record. ARGV: op, now (hi, lo, ms, ticks), then 'claim' [6] fingerprint, [7] new
    /// token, [8] forget-before ticks hi, [9] lo, [10] record TTL in ms (garbage only, past the retention);
    /// 'result' [6] token, [7] result JSON; 'drop' [6] token. Result of a claim: { 'new', token } | { 'pending', token, holdId }
    /// | { 'done', token, result, holdId } | { 'conflict' }.
    /// </summary>
    public const string Idempotency = Common + """
        local op = ARGV[1]
        local r = redis.call('HMGET', KEYS[1], 'fp', 'tok', 'ah', 'al', 'res', 'hold')
        if op == 'claim' then
          if r[1] and before(tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(r[3]), tonumber(r[4])) then
            if r[1] ~= ARGV[6] then return { 'conflict' } end
            if r[5] then return { 'done', r[2], r[5], r[6] or '' } end
            return { 'pending', r[2], r[6] or '' }
          end
          redis.call('DEL', KEYS[1])
          redis.call('HSET', KEYS[1], 'fp', ARGV[6], 'tok', ARGV[7], 'ah', ARGV[2], 'al', ARGV[3], 'at', NOW)
          if ARGV[11] and ARGV[11] ~= '' then redis.call('HSET', KEYS[1], 'hold', ARGV[11]) end
          redis.call('PEXPIRE', KEYS[1], ARGV[10])
          return { 'new', ARGV[7], ARGV[11] or '' }
        end
        if op == 'result' then
          if r[2] == ARGV[6] and not r[5] then redis.call('HSET', KEYS[1], 'res', ARGV[7]) end
          return { 'ok' }
        end
        if op == 'drop' then
          if r[2] == ARGV[6] and not r[5] then redis.call('DEL', KEYS[1]) end
          return { 'ok' }
        end
        if op == 'purge' then
          -- ARGV[6], [7]: forget-before hi, lo
          if r[1] and not before(tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(r[3]), tonumber(r[4])) then
            redis.call('DEL', KEYS[1])
            return { 'purged' }
          end
          return { 'kept' }
        end
        return redis.error_reply('unknown operation ' .. op)
        """;
}

-- Every statement the postgresql store sends with its default options, as the store builds it.
-- Written by tests/StockGuard.Tests/SqlGoldenFileTests.cs; do not edit by hand.

-- AcquireChangeLease
UPDATE "stockguard"."stock_change_consumers" SET lease_owner = @owner, lease_expires_at = @expiresAt WHERE consumer = @consumer AND (lease_owner IS NULL OR lease_owner = @owner OR lease_expires_at <= @now);

-- BatchCommitWithoutFlush
SET LOCAL synchronous_commit = off;

-- BumpVersion
UPDATE "stockguard"."stock_items" SET version = version + 1 WHERE sku = @sku AND location = @location;

-- CancelBackorder
UPDATE "stockguard"."stock_backorders" SET state = 'cancelled' WHERE id = @id AND state = 'waiting';

-- Change
UPDATE "stockguard"."stock_items" AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 WHERE sku = @sku AND location = @location RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- ChangeBatchIfSellable
UPDATE "stockguard"."stock_items" AS i SET on_hand = on_hand + @onHandDelta, version = version + @versions WHERE sku = @sku AND location = @location AND on_hand - reserved - safety_stock >= @quantity RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- ChangeIfSellable
UPDATE "stockguard"."stock_items" AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 WHERE sku = @sku AND location = @location AND on_hand - reserved - safety_stock + (CASE WHEN pre_order_limit > 0 AND released = 0 THEN pre_order_limit ELSE backorder_limit END) >= @quantity RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- ChangeIfVersion
UPDATE "stockguard"."stock_items" AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 WHERE sku = @sku AND location = @location AND version = @version RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- ChangeLocked
UPDATE "stockguard"."stock_items" SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 WHERE sku = @sku AND location = @location;

-- ChangeLockedBatch
UPDATE "stockguard"."stock_items" SET on_hand = on_hand + @onHandDelta, version = version + @versions WHERE sku = @sku AND location = @location;

-- ClaimIdempotencyKeys
INSERT INTO "stockguard"."stock_idempotency_keys" (idempotency_key, fingerprint, result, created_at) SELECT t.k, t.f, NULL, @createdAt FROM unnest(@keys, @fingerprints) WITH ORDINALITY AS t(k, f, n) ORDER BY t.n ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key;

-- ClaimWaiter
UPDATE "stockguard"."stock_waitlist" SET state = 'claimed', hold_id = @holdId WHERE id = @id AND state = 'waiting';

-- CommitFlushBarrier
SELECT pg_current_xact_id();

-- ConfirmHoldBackorders
UPDATE "stockguard"."stock_backorders" SET state = CASE WHEN quantity - @givenBack > filled THEN state WHEN filled > 0 THEN 'filled' ELSE 'cancelled' END, quantity = CASE WHEN quantity - @givenBack > filled THEN quantity - @givenBack WHEN filled > 0 THEN filled ELSE quantity END, hold_id = NULL WHERE hold_id = @holdId AND sku = @sku AND location = @location AND state = 'waiting';

-- ConfirmHoldOne
SELECT 1 FROM "stockguard"."stock_items" i WHERE (i.sku, i.location) IN (SELECT l.sku, l.location FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.hold_id = $1 AND h.id = $1 AND CASE h.state WHEN 'active' THEN h.expires_at > $2 ELSE FALSE END AND $3::text = 'stockguard') ORDER BY i.sku, i.location FOR UPDATE;
WITH fin AS (UPDATE "stockguard"."stock_holds" h SET state = 'confirmed', finished_at = $2 WHERE h.id = $1 AND CASE h.state WHEN 'active' THEN h.expires_at > $2 ELSE FALSE END AND $3::text = 'stockguard' AND NOT EXISTS (SELECT 1 FROM "stockguard"."stock_hold_lines" l WHERE l.hold_id = $1 AND (l.released OR EXISTS (SELECT 1 FROM "stockguard"."stock_waitlist" w WHERE w.sku = l.sku AND w.location = l.location AND w.state = 'waiting'))) RETURNING h.id, h.created_at, h.expires_at, h.reference), rel AS (UPDATE "stockguard"."stock_hold_lines" l SET released = TRUE FROM fin WHERE l.hold_id = $1 AND l.hold_id = fin.id AND l.released IS NOT TRUE RETURNING l.line_no, l.sku, l.location, l.quantity), changed AS (UPDATE "stockguard"."stock_items" i SET on_hand = i.on_hand - r.quantity, reserved = i.reserved - r.quantity, version = i.version + 1 FROM rel r WHERE i.sku = r.sku AND i.location = r.location RETURNING i.sku, i.location, i.on_hand, i.reserved, i.safety_stock, i.backorder_limit, i.low_stock_threshold, i.version), moved AS (INSERT INTO "stockguard"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note, on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after) SELECT $2, r.sku, r.location, 'hold_confirmed', -r.quantity, -r.quantity, fin.id, fin.reference, NULL, c.on_hand, c.reserved, c.safety_stock, c.backorder_limit, c.low_stock_threshold, c.version FROM rel r JOIN changed c ON c.sku = r.sku AND c.location = r.location CROSS JOIN fin ORDER BY r.line_no), sold AS (UPDATE "stockguard"."stock_backorders" b SET state = CASE WHEN b.quantity > b.filled THEN b.state WHEN b.filled > 0 THEN 'filled' ELSE 'cancelled' END, quantity = CASE WHEN b.quantity > b.filled THEN b.quantity WHEN b.filled > 0 THEN b.filled ELSE b.quantity END, hold_id = NULL FROM rel r WHERE b.hold_id = $1 AND b.sku = r.sku AND b.location = r.location AND b.state = 'waiting') SELECT fin.id AS HoldId, fin.created_at AS CreatedAt, fin.expires_at AS ExpiresAt, fin.reference AS Reference, r.sku AS Sku, r.location AS Location, r.quantity AS Quantity, 'stockguard' AS StoreSchema FROM fin CROSS JOIN rel r ORDER BY r.line_no;

-- DeductOne
WITH changed AS (UPDATE "stockguard"."stock_items" AS i SET on_hand = on_hand - $3, version = version + 1 WHERE sku = $1 AND location = $2 AND $6::text = 'stockguard' AND reserved = 0 AND on_hand - safety_stock >= $3 RETURNING i.*), moved AS (INSERT INTO "stockguard"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note, on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after) SELECT $4, sku, location, 'sale', -$3, 0, NULL, $5, NULL, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version FROM changed) SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, 'stockguard' AS StoreSchema, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released FROM changed;

-- DeductOneKeyed
WITH changed AS (UPDATE "stockguard"."stock_items" AS i SET on_hand = on_hand - $3, version = version + 1 WHERE sku = $1 AND location = $2 AND $6::text = 'stockguard' AND reserved = 0 AND on_hand - safety_stock >= $3 RETURNING i.*), claimed AS (INSERT INTO "stockguard"."stock_idempotency_keys" (idempotency_key, fingerprint, result, created_at) SELECT $7, $8, CAST($9::text || on_hand || ',"Reserved":' || reserved || ',"Safety":' || safety_stock || ',"Backorder":' || backorder_limit || ',"Low":' || low_stock_threshold || ',"Version":' || version || CASE WHEN pre_order_limit <> 0 THEN ',"Pre":' || pre_order_limit ELSE '' END || CASE WHEN expected_restock IS NULL THEN '' ELSE ',"Restock":"' || to_char(expected_restock AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || CASE WHEN date_part('microseconds', expected_restock)::bigint % 1000000 = 0 THEN '' ELSE '.' || rtrim(to_char(expected_restock AT TIME ZONE 'UTC', 'US'), '0') END || '+00:00"' END || CASE WHEN released <> 0 THEN ',"Released":true' ELSE '' END || '}],"Short":[]}' AS jsonb), $4 FROM changed), moved AS (INSERT INTO "stockguard"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note, on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after) SELECT $4, sku, location, 'sale', -$3, 0, NULL, $5, NULL, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version FROM changed) SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, 'stockguard' AS StoreSchema, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released FROM changed;

-- DeductOneRollback
-- (none on this engine)

-- FillBackorder
UPDATE "stockguard"."stock_backorders" SET filled = @filled, state = @state WHERE id = @id AND state = 'waiting';

-- FinishHold
UPDATE "stockguard"."stock_holds" SET state = @state, finished_at = @finishedAt WHERE id = @id AND state = 'active';

-- InsertBackorder
INSERT INTO "stockguard"."stock_backorders" (sku, location, order_reference, hold_id, kind, quantity, filled, state, created_at) VALUES (@sku, @location, @reference, @holdId, @kind, @quantity, 0, 'waiting', @now);

-- InsertChangeConsumer
INSERT INTO "stockguard"."stock_change_consumers" (consumer, checkpoint_tx, checkpoint_seq) VALUES (@consumer, 0, 0) ON CONFLICT (consumer) DO NOTHING;

-- InsertHold
INSERT INTO "stockguard"."stock_holds" (id, state, created_at, expires_at, finished_at, reference) VALUES (@id, 'active', @createdAt, @expiresAt, NULL, @reference);

-- InsertHoldLine
INSERT INTO "stockguard"."stock_hold_lines" (hold_id, line_no, sku, location, quantity, released) VALUES (@holdId, @lineNo, @sku, @location, @quantity, FALSE);

-- InsertMovement
INSERT INTO "stockguard"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note, on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after) SELECT @at, @sku, @location, @kind, @onHandDelta, @reservedDelta, CAST(@holdId AS uuid), @reference, @note, i.on_hand, i.reserved, i.safety_stock, i.backorder_limit, i.low_stock_threshold, i.version FROM "stockguard"."stock_items" i WHERE i.sku = @sku AND i.location = @location;

-- InsertParkedChange
INSERT INTO "stockguard"."stock_parked_changes" (consumer, position_tx, position_seq, sku, location, kind, attempts, error, parked_at) VALUES (@consumer, @tx, @seq, @sku, @location, @kind, @attempts, @error, @parkedAt) ON CONFLICT (consumer, position_tx, position_seq) DO NOTHING;

-- InsertSaleMovements
INSERT INTO "stockguard"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note, on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after) SELECT @at, @sku, @location, 'sale', t.d, 0, NULL, t.r, NULL, t.o, @reserved, @safetyStock, @backorderLimit, @lowStockThreshold, t.v FROM unnest(@deltas, @references, @onHands, @versions) WITH ORDINALITY AS t(d, r, o, v, n) ORDER BY t.n;

-- InsertWaiter
INSERT INTO "stockguard"."stock_waitlist" (sku, location, customer_reference, state, joined_at, hold_id) VALUES (@sku, @location, @reference, 'waiting', @joinedAt, NULL);

-- LeaveWaiter
UPDATE "stockguard"."stock_waitlist" SET state = 'left' WHERE sku = @sku AND location = @location AND customer_reference = @reference AND state = 'waiting';

-- LockExpiredHolds
SELECT id AS HoldId FROM "stockguard"."stock_holds" WHERE id IN (@h0, @h1) AND state = 'active' AND expires_at <= @now ORDER BY id FOR UPDATE SKIP LOCKED;

-- LockHold
SELECT id AS Id, state AS State, created_at AS CreatedAt, expires_at AS ExpiresAt, finished_at AS FinishedAt, reference AS Reference FROM "stockguard"."stock_holds" WHERE id = @id FOR UPDATE;

-- LockItem
SELECT 1 FROM "stockguard"."stock_items" WHERE sku = @sku AND location = @location FOR UPDATE;

-- LockItemsOfHold
SELECT 1 FROM "stockguard"."stock_items" i WHERE (i.sku, i.location) IN (SELECT l.sku, l.location FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE h.id = @id AND h.state = 'active') ORDER BY i.sku, i.location FOR UPDATE;

-- LockLeasedConsumer
SELECT 1 FROM "stockguard"."stock_change_consumers" WHERE consumer = @consumer AND lease_owner = @owner AND lease_expires_at > @now FOR UPDATE;

-- LockLevel
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM "stockguard"."stock_items" i WHERE i.sku = @sku AND i.location = @location FOR UPDATE;

-- LockSchema
SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext('stockguard-schema'))) AS l;

-- MarkItemsReleased
-- (none on this engine)

-- PurgeFinishedHolds
DELETE FROM "stockguard"."stock_holds" WHERE id IN (SELECT id FROM "stockguard"."stock_holds" h WHERE state <> 'active' AND finished_at <= @before AND NOT EXISTS (SELECT 1 FROM "stockguard"."stock_hold_lines" l WHERE l.hold_id = h.id AND l.released = FALSE) LIMIT @limit FOR UPDATE SKIP LOCKED);

-- PurgeIdempotencyKeys
DELETE FROM "stockguard"."stock_idempotency_keys" WHERE idempotency_key IN (SELECT idempotency_key FROM "stockguard"."stock_idempotency_keys" WHERE created_at <= @before LIMIT @limit FOR UPDATE SKIP LOCKED);

-- ReleaseChangeLease
UPDATE "stockguard"."stock_change_consumers" SET lease_owner = NULL, lease_expires_at = NULL WHERE consumer = @consumer AND lease_owner = @owner;

-- ReleaseExpiredLines
WITH freed AS (UPDATE "stockguard"."stock_hold_lines" l SET released = TRUE FROM "stockguard"."stock_holds" h WHERE h.id = l.hold_id AND l.sku = @sku AND l.location = @location AND l.released = FALSE AND h.expires_at <= @now RETURNING l.hold_id, l.line_no, l.sku, l.location, l.quantity, h.reference), moved AS (INSERT INTO "stockguard"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note, on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after) SELECT @now, f.sku, f.location, 'hold_expired', 0, -f.quantity, f.hold_id, f.reference, NULL, i.on_hand, i.reserved - SUM(f.quantity) OVER (ORDER BY f.hold_id, f.line_no ROWS UNBOUNDED PRECEDING), i.safety_stock, i.backorder_limit, i.low_stock_threshold, i.version + ROW_NUMBER() OVER (ORDER BY f.hold_id, f.line_no) FROM freed f JOIN "stockguard"."stock_items" i ON i.sku = f.sku AND i.location = f.location ORDER BY f.hold_id, f.line_no) UPDATE "stockguard"."stock_items" SET reserved = reserved - (SELECT SUM(quantity) FROM freed), version = version + (SELECT COUNT(*) FROM freed) WHERE sku = @sku AND location = @location AND EXISTS (SELECT 1 FROM freed);

-- ReleaseHoldLine
UPDATE "stockguard"."stock_hold_lines" SET released = TRUE WHERE hold_id = @holdId AND sku = @sku AND location = @location AND released = FALSE;

-- ReleaseHoldOne
SELECT 1 FROM "stockguard"."stock_items" i WHERE (i.sku, i.location) IN (SELECT l.sku, l.location FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.hold_id = $1 AND h.id = $1 AND CASE h.state WHEN 'active' THEN h.expires_at > $2 ELSE FALSE END AND $3::text = 'stockguard') ORDER BY i.sku, i.location FOR UPDATE;
WITH fin AS (UPDATE "stockguard"."stock_holds" h SET state = 'released', finished_at = $2 WHERE h.id = $1 AND CASE h.state WHEN 'active' THEN h.expires_at > $2 ELSE FALSE END AND $3::text = 'stockguard' AND NOT EXISTS (SELECT 1 FROM "stockguard"."stock_hold_lines" l WHERE l.hold_id = $1 AND (l.released OR EXISTS (SELECT 1 FROM "stockguard"."stock_waitlist" w WHERE w.sku = l.sku AND w.location = l.location AND w.state = 'waiting'))) RETURNING h.id, h.created_at, h.expires_at, h.reference), rel AS (UPDATE "stockguard"."stock_hold_lines" l SET released = TRUE FROM fin WHERE l.hold_id = $1 AND l.hold_id = fin.id AND l.released IS NOT TRUE RETURNING l.line_no, l.sku, l.location, l.quantity), changed AS (UPDATE "stockguard"."stock_items" i SET reserved = i.reserved - r.quantity, version = i.version + 1 FROM rel r WHERE i.sku = r.sku AND i.location = r.location RETURNING i.sku, i.location, i.on_hand, i.reserved, i.safety_stock, i.backorder_limit, i.low_stock_threshold, i.version), moved AS (INSERT INTO "stockguard"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note, on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after) SELECT $2, r.sku, r.location, 'hold_released', 0, -r.quantity, fin.id, fin.reference, NULL, c.on_hand, c.reserved, c.safety_stock, c.backorder_limit, c.low_stock_threshold, c.version FROM rel r JOIN changed c ON c.sku = r.sku AND c.location = r.location CROSS JOIN fin ORDER BY r.line_no) SELECT fin.id AS HoldId, fin.created_at AS CreatedAt, fin.expires_at AS ExpiresAt, fin.reference AS Reference, r.sku AS Sku, r.location AS Location, r.quantity AS Quantity, 'stockguard' AS StoreSchema FROM fin CROSS JOIN rel r ORDER BY r.line_no;

-- ReserveOne
WITH changed AS (UPDATE "stockguard"."stock_items" AS i SET reserved = reserved + $3, version = version + 1 WHERE sku = $1 AND location = $2 AND $6::text = 'stockguard' AND on_hand - reserved - safety_stock >= $3 RETURNING i.*), held AS (INSERT INTO "stockguard"."stock_holds" (id, state, created_at, expires_at, finished_at, reference) SELECT $7, 'active', $4, $8, NULL::timestamptz, $5 FROM changed), line AS (INSERT INTO "stockguard"."stock_hold_lines" (hold_id, line_no, sku, location, quantity, released) SELECT $7, 0, sku, location, $3, FALSE FROM changed), moved AS (INSERT INTO "stockguard"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note, on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after) SELECT $4, sku, location, 'hold_placed', 0, $3, $7, $5, NULL, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version FROM changed) SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, 'stockguard' AS StoreSchema, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, COALESCE(e.units, 0) AS ExpiredReserved, e.lines AS ExpiredLines FROM changed i CROSS JOIN LATERAL (SELECT SUM(l.quantity) AS units, COUNT(*) AS lines FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= $4) e;

-- SaveChangeCheckpoint
UPDATE "stockguard"."stock_change_consumers" SET checkpoint_tx = @tx, checkpoint_seq = @seq, lease_expires_at = @expiresAt WHERE consumer = @consumer AND lease_owner = @owner AND lease_expires_at > @now;

-- SelectBalance
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, COALESCE((SELECT SUM(m.on_hand_delta) FROM "stockguard"."stock_movements" m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerOnHand, COALESCE((SELECT SUM(m.reserved_delta) FROM "stockguard"."stock_movements" m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerReserved, COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE), 0) AS HeldReserved FROM "stockguard"."stock_items" i WHERE i.sku = @sku AND i.location = @location;

-- SelectBalancesPage
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, COALESCE((SELECT SUM(m.on_hand_delta) FROM "stockguard"."stock_movements" m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerOnHand, COALESCE((SELECT SUM(m.reserved_delta) FROM "stockguard"."stock_movements" m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerReserved, COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE), 0) AS HeldReserved FROM "stockguard"."stock_items" i WHERE i.sku >= @afterSku AND (i.sku > @afterSku OR i.location > @afterLocation) ORDER BY i.sku, i.location LIMIT @limit;

-- SelectChanges
SELECT id AS Id, tx::text::bigint AS Tx, occurred_at AS OccurredAt, sku AS Sku, location AS Location, kind AS Kind, on_hand_delta AS OnHandDelta, reserved_delta AS ReservedDelta, hold_id AS HoldId, reference AS Reference, note AS Note, on_hand_after AS OnHandAfter, reserved_after AS ReservedAfter, safety_stock_after AS SafetyStockAfter, backorder_limit_after AS BackorderLimitAfter, low_stock_threshold_after AS LowStockThresholdAfter, version_after AS VersionAfter FROM "stockguard"."stock_movements" WHERE (tx, id) > (CAST(CAST(@afterTx AS text) AS xid8), @afterId) AND tx < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY tx, id LIMIT @limit;

-- SelectExpiredHolds
SELECT h.id AS HoldId, l.sku AS Sku, l.location AS Location FROM "stockguard"."stock_holds" h LEFT JOIN "stockguard"."stock_hold_lines" l ON l.hold_id = h.id AND l.released = FALSE WHERE h.id IN (SELECT id FROM "stockguard"."stock_holds" WHERE state = 'active' AND expires_at <= @now ORDER BY expires_at LIMIT @limit);

-- SelectHistory
SELECT id AS Id, tx::text::bigint AS Tx, occurred_at AS OccurredAt, sku AS Sku, location AS Location, kind AS Kind, on_hand_delta AS OnHandDelta, reserved_delta AS ReservedDelta, hold_id AS HoldId, reference AS Reference, note AS Note, on_hand_after AS OnHandAfter, reserved_after AS ReservedAfter, safety_stock_after AS SafetyStockAfter, backorder_limit_after AS BackorderLimitAfter, low_stock_threshold_after AS LowStockThresholdAfter, version_after AS VersionAfter FROM "stockguard"."stock_movements" WHERE sku = @sku AND location = @location AND id < @afterId ORDER BY id DESC LIMIT @limit;

-- SelectHold
SELECT id AS Id, state AS State, created_at AS CreatedAt, expires_at AS ExpiresAt, finished_at AS FinishedAt, reference AS Reference FROM "stockguard"."stock_holds" WHERE id = @id;

-- SelectHoldLines
SELECT sku AS Sku, location AS Location, quantity AS Quantity, released AS Released FROM "stockguard"."stock_hold_lines" WHERE hold_id = @holdId ORDER BY line_no;

-- SelectHoldSaleMovements
SELECT kind AS Kind, on_hand_delta AS OnHandDelta FROM "stockguard"."stock_movements" WHERE sku = @sku AND location = @location AND hold_id = @holdId AND kind IN ('hold_confirmed', 'return');

-- SelectIdempotencyKey
SELECT fingerprint AS Fingerprint, result AS Result FROM "stockguard"."stock_idempotency_keys" WHERE idempotency_key = @key;

-- SelectInTransaction
-- (none on this engine)

-- SelectLastChange
SELECT tx::text::bigint AS Tx, id AS Id FROM "stockguard"."stock_movements" WHERE tx < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY tx DESC, id DESC LIMIT 1;

-- SelectLeasedConsumer
SELECT checkpoint_tx AS Tx, checkpoint_seq AS Id FROM "stockguard"."stock_change_consumers" WHERE consumer = @consumer AND lease_owner = @owner;

-- SelectLevel
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM "stockguard"."stock_items" i WHERE i.sku = @sku AND i.location = @location;

-- SelectLevelsOfSku
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM "stockguard"."stock_items" i WHERE i.sku = @sku ORDER BY i.location;

-- SelectMaxChangeId
-- (none on this engine)

-- SelectNeedsUpgrade
-- (none on this engine)

-- SelectNeedsUpgrade4
-- (none on this engine)

-- SelectOrderBackorders
SELECT b.id AS Id, b.sku AS Sku, b.location AS Location, b.order_reference AS OrderReference, b.hold_id AS HoldId, b.kind AS Kind, b.quantity AS Quantity, b.filled AS Filled, b.state AS State, CASE WHEN b.hold_id IS NULL OR (h.state = 'active' AND h.expires_at > @now AND NOT EXISTS (SELECT 1 FROM "stockguard"."stock_hold_lines" g WHERE g.hold_id = b.hold_id AND g.released = TRUE)) THEN 0 ELSE 1 END AS HoldGone FROM "stockguard"."stock_backorders" b LEFT JOIN "stockguard"."stock_holds" h ON h.id = b.hold_id WHERE b.order_reference = @reference ORDER BY b.id;

-- SelectParkedChanges
SELECT consumer AS Consumer, position_tx AS Tx, position_seq AS Id, sku AS Sku, location AS Location, kind AS Kind, attempts AS Attempts, error AS Error, parked_at AS ParkedAt FROM "stockguard"."stock_parked_changes" WHERE consumer = @consumer ORDER BY position_tx, position_seq LIMIT @limit;

-- SelectSchemaVersion
SELECT MAX(version) FROM "stockguard"."stock_schema_version";

-- SelectSchemaVersionTableExists
SELECT CASE WHEN to_regclass('"stockguard"."stock_schema_version"') IS NULL THEN 0 ELSE 1 END;

-- SelectServerTime
SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint;

-- SelectWaitersToClaim
SELECT t.id AS Id, t.customer_reference AS CustomerReference FROM (SELECT w.id, w.customer_reference AS customer_reference, ROW_NUMBER() OVER (ORDER BY w.id) AS n, i.on_hand - i.reserved - i.safety_stock AS free FROM "stockguard"."stock_waitlist" w JOIN "stockguard"."stock_items" i ON i.sku = w.sku AND i.location = w.location WHERE w.sku = @sku AND w.location = @location AND w.state = 'waiting' AND i.on_hand - i.reserved - i.safety_stock > 0) t WHERE t.n <= t.free ORDER BY t.id;

-- SelectWaitingBackorders
SELECT b.id AS Id, b.sku AS Sku, b.location AS Location, b.order_reference AS OrderReference, b.hold_id AS HoldId, b.kind AS Kind, b.quantity AS Quantity, b.filled AS Filled, b.state AS State, CASE WHEN b.hold_id IS NULL OR (h.state = 'active' AND h.expires_at > @now AND NOT EXISTS (SELECT 1 FROM "stockguard"."stock_hold_lines" g WHERE g.hold_id = b.hold_id AND g.released = TRUE)) THEN 0 ELSE 1 END AS HoldGone FROM "stockguard"."stock_backorders" b LEFT JOIN "stockguard"."stock_holds" h ON h.id = b.hold_id WHERE b.sku = @sku AND b.location = @location AND b.state = 'waiting' ORDER BY b.id;

-- SelectWaitlistPlace
SELECT w.id AS Id, w.state AS State, w.joined_at AS JoinedAt, w.hold_id AS HoldId, h.state AS HoldState, h.expires_at AS ExpiresAt, CASE WHEN w.state = 'waiting' THEN (SELECT COUNT(*) FROM "stockguard"."stock_waitlist" e WHERE e.sku = w.sku AND e.location = w.location AND e.state = 'waiting' AND e.id <= w.id) ELSE 0 END AS Position FROM "stockguard"."stock_waitlist" w LEFT JOIN "stockguard"."stock_holds" h ON h.id = w.hold_id WHERE w.sku = @sku AND w.location = @location AND w.customer_reference = @reference;

-- SellBatch
WITH changed AS (UPDATE "stockguard"."stock_items" AS i SET on_hand = on_hand + @onHandDelta, version = version + @versions WHERE sku = @sku AND location = @location AND on_hand - reserved - safety_stock >= @quantity RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines), moved AS (INSERT INTO "stockguard"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note, on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after) SELECT @now, c.sku, c.location, 'sale', -s.quantity, 0, NULL, s.reference, NULL, c.onhand + @quantity - SUM(s.quantity) OVER (ORDER BY s.n ROWS UNBOUNDED PRECEDING), c.reserved, c.safetystock, c.backorderlimit, c.lowstockthreshold, c.version - @versions + s.n FROM changed c CROSS JOIN unnest(@quantities::bigint[], @references::text[]) WITH ORDINALITY AS s(quantity, reference, n) ORDER BY s.n), relaxed AS (SELECT set_config('synchronous_commit', 'off', true) AS setting) SELECT changed.* FROM changed CROSS JOIN relaxed;

-- SellBatchRollback
-- (none on this engine)

-- SellBatchUnreserved
WITH changed AS (UPDATE "stockguard"."stock_items" AS i SET on_hand = on_hand + @onHandDelta, version = version + @versions WHERE sku = @sku AND location = @location AND reserved = 0 AND on_hand - safety_stock >= @quantity RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CAST(0 AS bigint) AS ExpiredReserved, CAST(0 AS bigint) AS ExpiredLines), moved AS (INSERT INTO "stockguard"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note, on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after) SELECT @now, c.sku, c.location, 'sale', -s.quantity, 0, NULL, s.reference, NULL, c.onhand + @quantity - SUM(s.quantity) OVER (ORDER BY s.n ROWS UNBOUNDED PRECEDING), c.reserved, c.safetystock, c.backorderlimit, c.lowstockthreshold, c.version - @versions + s.n FROM changed c CROSS JOIN unnest(@quantities::bigint[], @references::text[]) WITH ORDINALITY AS s(quantity, reference, n) ORDER BY s.n), relaxed AS (SELECT set_config('synchronous_commit', 'off', true) AS setting) SELECT changed.* FROM changed CROSS JOIN relaxed;

-- SetHoldExpiry
UPDATE "stockguard"."stock_holds" SET expires_at = @expiresAt WHERE id = @id AND state = 'active';

-- SetIdempotencyResult
UPDATE "stockguard"."stock_idempotency_keys" SET result = CAST(@result AS jsonb) WHERE idempotency_key = @key;

-- SetIdempotencyResults
UPDATE "stockguard"."stock_idempotency_keys" k SET result = CAST(t.r AS jsonb) FROM unnest(@keys, @results) AS t(k, r) WHERE k.idempotency_key = t.k;

-- TryInsertIdempotencyKey
INSERT INTO "stockguard"."stock_idempotency_keys" (idempotency_key, fingerprint, result, created_at) VALUES (@key, @fingerprint, NULL, @createdAt) ON CONFLICT (idempotency_key) DO NOTHING;

-- UnlockSchema
-- (none on this engine)

-- UpsertPolicy
INSERT INTO "stockguard"."stock_items" AS i (sku, location, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version, pre_order_limit, expected_restock) VALUES (@sku, @location, 0, 0, @safetyStock, @backorderLimit, @lowStockThreshold, 1, @preOrderLimit, @expectedRestock::timestamptz) ON CONFLICT (sku, location) DO UPDATE SET safety_stock = EXCLUDED.safety_stock, backorder_limit = EXCLUDED.backorder_limit, low_stock_threshold = EXCLUDED.low_stock_threshold, version = i.version + 1, pre_order_limit = EXCLUDED.pre_order_limit, expected_restock = EXCLUDED.expected_restock RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- UpsertReceipt
INSERT INTO "stockguard"."stock_items" AS i (sku, location, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version, released) VALUES (@sku, @location, @quantity, 0, 0, 0, 0, 1, 1) ON CONFLICT (sku, location) DO UPDATE SET on_hand = i.on_hand + EXCLUDED.on_hand, version = i.version + 1, released = 1 RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- Waitlist
"stockguard"."stock_waitlist";

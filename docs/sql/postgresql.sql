-- Every statement the postgresql store sends with its default options, as the store builds it.
-- Written by tests/StockGuard.Tests/SqlGoldenFileTests.cs; do not edit by hand.

-- Change
UPDATE "stockguard"."stock_items" AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 WHERE sku = @sku AND location = @location RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- ChangeBatchIfSellable
UPDATE "stockguard"."stock_items" AS i SET on_hand = on_hand + @onHandDelta, version = version + @versions WHERE sku = @sku AND location = @location AND on_hand - reserved - safety_stock + backorder_limit >= @quantity RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- ChangeIfSellable
UPDATE "stockguard"."stock_items" AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 WHERE sku = @sku AND location = @location AND on_hand - reserved - safety_stock + backorder_limit >= @quantity RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- ChangeIfVersion
UPDATE "stockguard"."stock_items" AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 WHERE sku = @sku AND location = @location AND version = @version RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- ChangeLockedBatch
UPDATE "stockguard"."stock_items" SET on_hand = on_hand + @onHandDelta, version = version + @versions WHERE sku = @sku AND location = @location;

-- ClaimIdempotencyKeys
INSERT INTO "stockguard"."stock_idempotency_keys" (idempotency_key, fingerprint, result, created_at) SELECT t.k, t.f, NULL, @createdAt FROM unnest(@keys, @fingerprints) WITH ORDINALITY AS t(k, f, n) ORDER BY t.n ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key;

-- DeductOne
WITH changed AS (UPDATE "stockguard"."stock_items" AS i SET on_hand = on_hand - $3, version = version + 1 WHERE sku = $1 AND location = $2 AND $6::text = 'stockguard' AND reserved = 0 AND on_hand - safety_stock + backorder_limit >= $3 RETURNING i.*), moved AS (INSERT INTO "stockguard"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note) SELECT $4, sku, location, 'sale', -$3, 0, NULL, $5, NULL FROM changed) SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, 'stockguard' AS StoreSchema FROM changed;

-- DeductOneRollback
-- (none on this engine)

-- FinishHold
UPDATE "stockguard"."stock_holds" SET state = @state, finished_at = @finishedAt WHERE id = @id AND state = 'active';

-- InsertHold
INSERT INTO "stockguard"."stock_holds" (id, state, created_at, expires_at, finished_at, reference) VALUES (@id, 'active', @createdAt, @expiresAt, NULL, @reference);

-- InsertHoldLine
INSERT INTO "stockguard"."stock_hold_lines" (hold_id, line_no, sku, location, quantity, released) VALUES (@holdId, @lineNo, @sku, @location, @quantity, FALSE);

-- InsertMovement
INSERT INTO "stockguard"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note) VALUES (@at, @sku, @location, @kind, @onHandDelta, @reservedDelta, @holdId, @reference, @note);

-- InsertSaleMovements
INSERT INTO "stockguard"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note) SELECT @at, @sku, @location, 'sale', t.d, 0, NULL, t.r, NULL FROM unnest(@deltas, @references) WITH ORDINALITY AS t(d, r, n) ORDER BY t.n;

-- LockExpiredHolds
SELECT id AS HoldId FROM "stockguard"."stock_holds" WHERE id IN (@h0, @h1) AND state = 'active' AND expires_at <= @now ORDER BY id FOR UPDATE SKIP LOCKED;

-- LockHold
SELECT id AS Id, state AS State, created_at AS CreatedAt, expires_at AS ExpiresAt, finished_at AS FinishedAt, reference AS Reference FROM "stockguard"."stock_holds" WHERE id = @id FOR UPDATE;

-- LockItem
SELECT 1 FROM "stockguard"."stock_items" WHERE sku = @sku AND location = @location FOR UPDATE;

-- LockLevel
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM "stockguard"."stock_items" i WHERE i.sku = @sku AND i.location = @location FOR UPDATE;

-- PurgeFinishedHolds
DELETE FROM "stockguard"."stock_holds" WHERE id IN (SELECT id FROM "stockguard"."stock_holds" h WHERE state <> 'active' AND finished_at <= @before AND NOT EXISTS (SELECT 1 FROM "stockguard"."stock_hold_lines" l WHERE l.hold_id = h.id AND l.released = FALSE) LIMIT @limit FOR UPDATE SKIP LOCKED);

-- PurgeIdempotencyKeys
DELETE FROM "stockguard"."stock_idempotency_keys" WHERE idempotency_key IN (SELECT idempotency_key FROM "stockguard"."stock_idempotency_keys" WHERE created_at <= @before LIMIT @limit FOR UPDATE SKIP LOCKED);

-- ReleaseExpiredLines
WITH freed AS (UPDATE "stockguard"."stock_hold_lines" l SET released = TRUE FROM "stockguard"."stock_holds" h WHERE h.id = l.hold_id AND l.sku = @sku AND l.location = @location AND l.released = FALSE AND h.expires_at <= @now RETURNING l.hold_id, l.sku, l.location, l.quantity, h.reference), moved AS (INSERT INTO "stockguard"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note) SELECT @now, sku, location, 'hold_expired', 0, -quantity, hold_id, reference, NULL FROM freed) UPDATE "stockguard"."stock_items" SET reserved = reserved - (SELECT SUM(quantity) FROM freed), version = version + (SELECT COUNT(*) FROM freed) WHERE sku = @sku AND location = @location AND EXISTS (SELECT 1 FROM freed);

-- ReleaseHoldLine
UPDATE "stockguard"."stock_hold_lines" SET released = TRUE WHERE hold_id = @holdId AND sku = @sku AND location = @location AND released = FALSE;

-- SelectBalance
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, COALESCE((SELECT SUM(m.on_hand_delta) FROM "stockguard"."stock_movements" m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerOnHand, COALESCE((SELECT SUM(m.reserved_delta) FROM "stockguard"."stock_movements" m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerReserved, COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE), 0) AS HeldReserved FROM "stockguard"."stock_items" i WHERE i.sku = @sku AND i.location = @location;

-- SelectBalancesPage
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, COALESCE((SELECT SUM(m.on_hand_delta) FROM "stockguard"."stock_movements" m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerOnHand, COALESCE((SELECT SUM(m.reserved_delta) FROM "stockguard"."stock_movements" m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerReserved, COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE), 0) AS HeldReserved FROM "stockguard"."stock_items" i WHERE i.sku >= @afterSku AND (i.sku > @afterSku OR i.location > @afterLocation) ORDER BY i.sku, i.location LIMIT @limit;

-- SelectExpiredHolds
SELECT h.id AS HoldId, l.sku AS Sku, l.location AS Location FROM "stockguard"."stock_holds" h LEFT JOIN "stockguard"."stock_hold_lines" l ON l.hold_id = h.id AND l.released = FALSE WHERE h.id IN (SELECT id FROM "stockguard"."stock_holds" WHERE state = 'active' AND expires_at <= @now ORDER BY expires_at LIMIT @limit);

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

-- SelectLevel
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM "stockguard"."stock_items" i WHERE i.sku = @sku AND i.location = @location;

-- SelectLevelsOfSku
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM "stockguard"."stock_items" i WHERE i.sku = @sku ORDER BY i.location;

-- SelectSchemaVersion
SELECT MAX(version) FROM "stockguard"."stock_schema_version";

-- SelectServerTime
SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint;

-- SetHoldExpiry
UPDATE "stockguard"."stock_holds" SET expires_at = @expiresAt WHERE id = @id AND state = 'active';

-- SetIdempotencyResult
UPDATE "stockguard"."stock_idempotency_keys" SET result = CAST(@result AS jsonb) WHERE idempotency_key = @key;

-- SetIdempotencyResults
UPDATE "stockguard"."stock_idempotency_keys" k SET result = CAST(t.r AS jsonb) FROM unnest(@keys, @results) AS t(k, r) WHERE k.idempotency_key = t.k;

-- TryInsertIdempotencyKey
INSERT INTO "stockguard"."stock_idempotency_keys" (idempotency_key, fingerprint, result, created_at) VALUES (@key, @fingerprint, NULL, @createdAt) ON CONFLICT (idempotency_key) DO NOTHING;

-- UpsertPolicy
INSERT INTO "stockguard"."stock_items" AS i (sku, location, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version) VALUES (@sku, @location, 0, 0, @safetyStock, @backorderLimit, @lowStockThreshold, 1) ON CONFLICT (sku, location) DO UPDATE SET safety_stock = EXCLUDED.safety_stock, backorder_limit = EXCLUDED.backorder_limit, low_stock_threshold = EXCLUDED.low_stock_threshold, version = i.version + 1 RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- UpsertReceipt
INSERT INTO "stockguard"."stock_items" AS i (sku, location, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version) VALUES (@sku, @location, @quantity, 0, 0, 0, 0, 1) ON CONFLICT (sku, location) DO UPDATE SET on_hand = i.on_hand + EXCLUDED.on_hand, version = i.version + 1 RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "stockguard"."stock_hold_lines" l JOIN "stockguard"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- Every statement the sqlite store sends with its default options, as the store builds it.
-- Written by tests/StockGuard.Tests/SqlGoldenFileTests.cs; do not edit by hand.

-- Change
UPDATE "main"."stock_items" AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 WHERE sku = @sku AND location = @location RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- ChangeBatchIfSellable
UPDATE "main"."stock_items" AS i SET on_hand = on_hand + @onHandDelta, version = version + @versions WHERE sku = @sku AND location = @location AND on_hand - reserved - safety_stock + backorder_limit >= @quantity RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- ChangeIfSellable
UPDATE "main"."stock_items" AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 WHERE sku = @sku AND location = @location AND on_hand - reserved - safety_stock + backorder_limit >= @quantity RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- ChangeIfVersion
UPDATE "main"."stock_items" AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 WHERE sku = @sku AND location = @location AND version = @version RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- ChangeLockedBatch
UPDATE "main"."stock_items" SET on_hand = on_hand + @onHandDelta, version = version + @versions WHERE sku = @sku AND location = @location;

-- ClaimIdempotencyKeys
INSERT INTO "main"."stock_idempotency_keys" (idempotency_key, fingerprint, result, created_at) VALUES (@k0, @f0, NULL, @createdAt), (@k1, @f1, NULL, @createdAt) ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key;

-- DeductOne
-- (none on this engine)

-- DeductOneRollback
-- (none on this engine)

-- FinishHold
UPDATE "main"."stock_holds" SET state = @state, finished_at = @finishedAt WHERE id = @id AND state = 'active';

-- InsertHold
INSERT INTO "main"."stock_holds" (id, state, created_at, expires_at, finished_at, reference) VALUES (@id, 'active', @createdAt, @expiresAt, NULL, @reference);

-- InsertHoldLine
INSERT INTO "main"."stock_hold_lines" (hold_id, line_no, sku, location, quantity, released) VALUES (@holdId, @lineNo, @sku, @location, @quantity, FALSE);

-- InsertMovement
INSERT INTO "main"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note) VALUES (@at, @sku, @location, @kind, @onHandDelta, @reservedDelta, @holdId, @reference, @note);

-- InsertSaleMovements
INSERT INTO "main"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note) VALUES (@at, @sku, @location, 'sale', @d0, 0, NULL, @r0, NULL), (@at, @sku, @location, 'sale', @d1, 0, NULL, @r1, NULL);

-- LockExpiredHolds
SELECT id AS HoldIdText FROM "main"."stock_holds" WHERE id IN (@h0, @h1) AND state = 'active' AND expires_at <= @now ORDER BY id;

-- LockHold
SELECT id AS IdText, state AS State, created_at AS CreatedAt, expires_at AS ExpiresAt, finished_at AS FinishedAt, reference AS Reference FROM "main"."stock_holds" WHERE id = @id;

-- LockItem
SELECT 1 FROM "main"."stock_items" WHERE sku = @sku AND location = @location;

-- LockLevel
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM "main"."stock_items" i WHERE i.sku = @sku AND i.location = @location;

-- PurgeFinishedHolds
DELETE FROM "main"."stock_holds" WHERE id IN (SELECT id FROM "main"."stock_holds" h WHERE state <> 'active' AND finished_at <= @before AND NOT EXISTS (SELECT 1 FROM "main"."stock_hold_lines" l WHERE l.hold_id = h.id AND l.released = FALSE) LIMIT @limit);

-- PurgeIdempotencyKeys
DELETE FROM "main"."stock_idempotency_keys" WHERE idempotency_key IN (SELECT idempotency_key FROM "main"."stock_idempotency_keys" WHERE created_at <= @before LIMIT @limit);

-- ReleaseExpiredLines
INSERT INTO "main"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note) SELECT @now, l.sku, l.location, 'hold_expired', 0, -l.quantity, l.hold_id, h.reference, NULL FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = @sku AND l.location = @location AND l.released = FALSE AND h.expires_at <= @now;
UPDATE "main"."stock_items" SET reserved = reserved - (SELECT COALESCE(SUM(l.quantity), 0) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = @sku AND l.location = @location AND l.released = FALSE AND h.expires_at <= @now), version = version + (SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = @sku AND l.location = @location AND l.released = FALSE AND h.expires_at <= @now) WHERE sku = @sku AND location = @location AND EXISTS (SELECT 1 FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = @sku AND l.location = @location AND l.released = FALSE AND h.expires_at <= @now);
UPDATE "main"."stock_hold_lines" SET released = TRUE WHERE sku = @sku AND location = @location AND released = FALSE AND hold_id IN (SELECT id FROM "main"."stock_holds" WHERE expires_at <= @now);

-- ReleaseHoldLine
UPDATE "main"."stock_hold_lines" SET released = TRUE WHERE hold_id = @holdId AND sku = @sku AND location = @location AND released = FALSE;

-- SelectBalance
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, COALESCE((SELECT SUM(m.on_hand_delta) FROM "main"."stock_movements" m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerOnHand, COALESCE((SELECT SUM(m.reserved_delta) FROM "main"."stock_movements" m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerReserved, COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE), 0) AS HeldReserved FROM "main"."stock_items" i WHERE i.sku = @sku AND i.location = @location;

-- SelectBalancesPage
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, COALESCE((SELECT SUM(m.on_hand_delta) FROM "main"."stock_movements" m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerOnHand, COALESCE((SELECT SUM(m.reserved_delta) FROM "main"."stock_movements" m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerReserved, COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE), 0) AS HeldReserved FROM "main"."stock_items" i WHERE i.sku >= @afterSku AND (i.sku > @afterSku OR i.location > @afterLocation) ORDER BY i.sku, i.location LIMIT @limit;

-- SelectExpiredHolds
SELECT h.id AS HoldIdText, l.sku AS Sku, l.location AS Location FROM "main"."stock_holds" h LEFT JOIN "main"."stock_hold_lines" l ON l.hold_id = h.id AND l.released = FALSE WHERE h.id IN (SELECT id FROM "main"."stock_holds" WHERE state = 'active' AND expires_at <= @now ORDER BY expires_at LIMIT @limit);

-- SelectHold
SELECT id AS IdText, state AS State, created_at AS CreatedAt, expires_at AS ExpiresAt, finished_at AS FinishedAt, reference AS Reference FROM "main"."stock_holds" WHERE id = @id;

-- SelectHoldLines
SELECT sku AS Sku, location AS Location, quantity AS Quantity, released AS Released FROM "main"."stock_hold_lines" WHERE hold_id = @holdId ORDER BY line_no;

-- SelectHoldSaleMovements
SELECT kind AS Kind, on_hand_delta AS OnHandDelta FROM "main"."stock_movements" WHERE sku = @sku AND location = @location AND hold_id = @holdId AND kind IN ('hold_confirmed', 'return');

-- SelectIdempotencyKey
SELECT fingerprint AS Fingerprint, result AS Result FROM "main"."stock_idempotency_keys" WHERE idempotency_key = @key;

-- SelectInTransaction
-- (none on this engine)

-- SelectLevel
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM "main"."stock_items" i WHERE i.sku = @sku AND i.location = @location;

-- SelectLevelsOfSku
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM "main"."stock_items" i WHERE i.sku = @sku ORDER BY i.location;

-- SelectSchemaVersion
SELECT MAX(version) FROM "main"."stock_schema_version";

-- SelectServerTime
-- (none on this engine)

-- SetHoldExpiry
UPDATE "main"."stock_holds" SET expires_at = @expiresAt WHERE id = @id AND state = 'active';

-- SetIdempotencyResult
UPDATE "main"."stock_idempotency_keys" SET result = @result WHERE idempotency_key = @key;

-- SetIdempotencyResults
UPDATE "main"."stock_idempotency_keys" SET result = CASE idempotency_key WHEN @k0 THEN @r0 WHEN @k1 THEN @r1 END WHERE idempotency_key IN (@k0, @k1);

-- TryInsertIdempotencyKey
INSERT INTO "main"."stock_idempotency_keys" (idempotency_key, fingerprint, result, created_at) VALUES (@key, @fingerprint, NULL, @createdAt) ON CONFLICT (idempotency_key) DO NOTHING;

-- UpsertPolicy
INSERT INTO "main"."stock_items" AS i (sku, location, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version) VALUES (@sku, @location, 0, 0, @safetyStock, @backorderLimit, @lowStockThreshold, 1) ON CONFLICT (sku, location) DO UPDATE SET safety_stock = excluded.safety_stock, backorder_limit = excluded.backorder_limit, low_stock_threshold = excluded.low_stock_threshold, version = i.version + 1 RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- UpsertReceipt
INSERT INTO "main"."stock_items" AS i (sku, location, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version) VALUES (@sku, @location, @quantity, 0, 0, 0, 0, 1) ON CONFLICT (sku, location) DO UPDATE SET on_hand = i.on_hand + excluded.on_hand, version = i.version + 1 RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

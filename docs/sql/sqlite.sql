-- Every statement the sqlite store sends with its default options, as the store builds it.
-- Written by tests/StockGuard.Tests/SqlGoldenFileTests.cs; do not edit by hand.

-- AcquireChangeLease
UPDATE "main"."stock_change_consumers" SET lease_owner = @owner, lease_expires_at = @expiresAt WHERE consumer = @consumer AND (lease_owner IS NULL OR lease_owner = @owner OR lease_expires_at <= @now);

-- BatchCommitWithoutFlush
-- (none on this engine)

-- BumpVersion
UPDATE "main"."stock_items" SET version = version + 1 WHERE sku = @sku AND location = @location;

-- CancelBackorder
UPDATE "main"."stock_backorders" SET state = 'cancelled' WHERE id = @id AND state = 'waiting';

-- Change
UPDATE "main"."stock_items" AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 WHERE sku = @sku AND location = @location RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- ChangeBatchIfSellable
UPDATE "main"."stock_items" AS i SET on_hand = on_hand + @onHandDelta, version = version + @versions WHERE sku = @sku AND location = @location AND on_hand - reserved - safety_stock >= @quantity RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- ChangeIfSellable
UPDATE "main"."stock_items" AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 WHERE sku = @sku AND location = @location AND on_hand - reserved - safety_stock + (CASE WHEN pre_order_limit > 0 AND released = 0 THEN pre_order_limit ELSE backorder_limit END) >= @quantity RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- ChangeIfVersion
UPDATE "main"."stock_items" AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 WHERE sku = @sku AND location = @location AND version = @version RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- ChangeLocked
UPDATE "main"."stock_items" SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 WHERE sku = @sku AND location = @location;

-- ChangeLockedBatch
UPDATE "main"."stock_items" SET on_hand = on_hand + @onHandDelta, version = version + @versions WHERE sku = @sku AND location = @location;

-- ClaimIdempotencyKeys
INSERT INTO "main"."stock_idempotency_keys" (idempotency_key, fingerprint, result, created_at) VALUES (@k0, @f0, NULL, @createdAt), (@k1, @f1, NULL, @createdAt) ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key;

-- ClaimWaiter
UPDATE "main"."stock_waitlist" SET state = 'claimed', hold_id = @holdId WHERE id = @id AND state = 'waiting';

-- CommitFlushBarrier
-- (none on this engine)

-- ConfirmHoldBackorders
UPDATE "main"."stock_backorders" SET state = CASE WHEN quantity - @givenBack > filled THEN state WHEN filled > 0 THEN 'filled' ELSE 'cancelled' END, quantity = CASE WHEN quantity - @givenBack > filled THEN quantity - @givenBack WHEN filled > 0 THEN filled ELSE quantity END, hold_id = NULL WHERE hold_id = @holdId AND sku = @sku AND location = @location AND state = 'waiting';

-- ConfirmHoldOne
-- (none on this engine)

-- DeductOne
-- (none on this engine)

-- DeductOneKeyed
-- (none on this engine)

-- DeductOneRollback
-- (none on this engine)

-- FillBackorder
UPDATE "main"."stock_backorders" SET filled = @filled, state = @state WHERE id = @id AND state = 'waiting';

-- FinishHold
UPDATE "main"."stock_holds" SET state = @state, finished_at = @finishedAt WHERE id = @id AND state = 'active';

-- InsertBackorder
INSERT INTO "main"."stock_backorders" (sku, location, order_reference, hold_id, kind, quantity, filled, state, created_at) VALUES (@sku, @location, @reference, @holdId, @kind, @quantity, 0, 'waiting', @now);

-- InsertChangeConsumer
INSERT INTO "main"."stock_change_consumers" (consumer, checkpoint_tx, checkpoint_seq) VALUES (@consumer, 0, 0) ON CONFLICT (consumer) DO NOTHING;

-- InsertHold
INSERT INTO "main"."stock_holds" (id, state, created_at, expires_at, finished_at, reference) VALUES (@id, 'active', @createdAt, @expiresAt, NULL, @reference);

-- InsertHoldLine
INSERT INTO "main"."stock_hold_lines" (hold_id, line_no, sku, location, quantity, released) VALUES (@holdId, @lineNo, @sku, @location, @quantity, FALSE);

-- InsertMovement
INSERT INTO "main"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note, on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after) SELECT @at, @sku, @location, @kind, @onHandDelta, @reservedDelta, @holdId, @reference, @note, i.on_hand, i.reserved, i.safety_stock, i.backorder_limit, i.low_stock_threshold, i.version FROM "main"."stock_items" i WHERE i.sku = @sku AND i.location = @location;

-- InsertParkedChange
INSERT INTO "main"."stock_parked_changes" (consumer, position_tx, position_seq, sku, location, kind, attempts, error, parked_at) VALUES (@consumer, @tx, @seq, @sku, @location, @kind, @attempts, @error, @parkedAt) ON CONFLICT (consumer, position_tx, position_seq) DO NOTHING;

-- InsertSaleMovements
INSERT INTO "main"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note, on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after) VALUES (@at, @sku, @location, 'sale', @d0, 0, NULL, @r0, NULL, @o0, @reserved, @safetyStock, @backorderLimit, @lowStockThreshold, @v0), (@at, @sku, @location, 'sale', @d1, 0, NULL, @r1, NULL, @o1, @reserved, @safetyStock, @backorderLimit, @lowStockThreshold, @v1);

-- InsertWaiter
INSERT INTO "main"."stock_waitlist" (sku, location, customer_reference, state, joined_at, hold_id) VALUES (@sku, @location, @reference, 'waiting', @joinedAt, NULL);

-- LeaveWaiter
UPDATE "main"."stock_waitlist" SET state = 'left' WHERE sku = @sku AND location = @location AND customer_reference = @reference AND state = 'waiting';

-- LockExpiredHolds
SELECT id AS HoldIdText FROM "main"."stock_holds" WHERE id IN (@h0, @h1) AND state = 'active' AND expires_at <= @now ORDER BY id;

-- LockHold
SELECT id AS IdText, state AS State, created_at AS CreatedAt, expires_at AS ExpiresAt, finished_at AS FinishedAt, reference AS Reference FROM "main"."stock_holds" WHERE id = @id;

-- LockItem
SELECT 1 FROM "main"."stock_items" WHERE sku = @sku AND location = @location;

-- LockItemsOfHold
;

-- LockLeasedConsumer
SELECT 1 FROM "main"."stock_change_consumers" WHERE consumer = @consumer AND lease_owner = @owner AND lease_expires_at > @now;

-- LockLevel
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM "main"."stock_items" i WHERE i.sku = @sku AND i.location = @location;

-- LockSchema
-- (none on this engine)

-- MarkItemsReleased
-- (none on this engine)

-- PurgeFinishedHolds
DELETE FROM "main"."stock_holds" WHERE id IN (SELECT id FROM "main"."stock_holds" h WHERE state <> 'active' AND finished_at <= @before AND NOT EXISTS (SELECT 1 FROM "main"."stock_hold_lines" l WHERE l.hold_id = h.id AND l.released = FALSE) LIMIT @limit);

-- PurgeIdempotencyKeys
DELETE FROM "main"."stock_idempotency_keys" WHERE idempotency_key IN (SELECT idempotency_key FROM "main"."stock_idempotency_keys" WHERE created_at <= @before LIMIT @limit);

-- ReleaseChangeLease
UPDATE "main"."stock_change_consumers" SET lease_owner = NULL, lease_expires_at = NULL WHERE consumer = @consumer AND lease_owner = @owner;

-- ReleaseExpiredLines
INSERT INTO "main"."stock_movements" (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note, on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after) SELECT @now, l.sku, l.location, 'hold_expired', 0, -l.quantity, l.hold_id, h.reference, NULL, i.on_hand, i.reserved - SUM(l.quantity) OVER (ORDER BY l.hold_id, l.line_no ROWS UNBOUNDED PRECEDING), i.safety_stock, i.backorder_limit, i.low_stock_threshold, i.version + ROW_NUMBER() OVER (ORDER BY l.hold_id, l.line_no) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id JOIN "main"."stock_items" i ON i.sku = l.sku AND i.location = l.location WHERE l.sku = @sku AND l.location = @location AND l.released = FALSE AND h.expires_at <= @now ORDER BY l.hold_id, l.line_no;
UPDATE "main"."stock_items" SET reserved = reserved - (SELECT COALESCE(SUM(l.quantity), 0) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = @sku AND l.location = @location AND l.released = FALSE AND h.expires_at <= @now), version = version + (SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = @sku AND l.location = @location AND l.released = FALSE AND h.expires_at <= @now) WHERE sku = @sku AND location = @location AND EXISTS (SELECT 1 FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = @sku AND l.location = @location AND l.released = FALSE AND h.expires_at <= @now);
UPDATE "main"."stock_hold_lines" SET released = TRUE WHERE sku = @sku AND location = @location AND released = FALSE AND hold_id IN (SELECT id FROM "main"."stock_holds" WHERE expires_at <= @now);

-- ReleaseHoldLine
UPDATE "main"."stock_hold_lines" SET released = TRUE WHERE hold_id = @holdId AND sku = @sku AND location = @location AND released = FALSE;

-- ReleaseHoldOne
-- (none on this engine)

-- ReserveOne
-- (none on this engine)

-- SaveChangeCheckpoint
UPDATE "main"."stock_change_consumers" SET checkpoint_tx = @tx, checkpoint_seq = @seq, lease_expires_at = @expiresAt WHERE consumer = @consumer AND lease_owner = @owner AND lease_expires_at > @now;

-- SelectBalance
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, COALESCE((SELECT SUM(m.on_hand_delta) FROM "main"."stock_movements" m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerOnHand, COALESCE((SELECT SUM(m.reserved_delta) FROM "main"."stock_movements" m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerReserved, COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE), 0) AS HeldReserved FROM "main"."stock_items" i WHERE i.sku = @sku AND i.location = @location;

-- SelectBalancesPage
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, COALESCE((SELECT SUM(m.on_hand_delta) FROM "main"."stock_movements" m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerOnHand, COALESCE((SELECT SUM(m.reserved_delta) FROM "main"."stock_movements" m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerReserved, COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE), 0) AS HeldReserved FROM "main"."stock_items" i WHERE i.sku >= @afterSku AND (i.sku > @afterSku OR i.location > @afterLocation) ORDER BY i.sku, i.location LIMIT @limit;

-- SelectChanges
SELECT id AS Id, 0 AS Tx, occurred_at AS OccurredAt, sku AS Sku, location AS Location, kind AS Kind, on_hand_delta AS OnHandDelta, reserved_delta AS ReservedDelta, hold_id AS HoldIdText, reference AS Reference, note AS Note, on_hand_after AS OnHandAfter, reserved_after AS ReservedAfter, safety_stock_after AS SafetyStockAfter, backorder_limit_after AS BackorderLimitAfter, low_stock_threshold_after AS LowStockThresholdAfter, version_after AS VersionAfter FROM "main"."stock_movements" WHERE id > @afterId ORDER BY id LIMIT @limit;

-- SelectExpiredHolds
SELECT h.id AS HoldIdText, l.sku AS Sku, l.location AS Location FROM "main"."stock_holds" h LEFT JOIN "main"."stock_hold_lines" l ON l.hold_id = h.id AND l.released = FALSE WHERE h.id IN (SELECT id FROM "main"."stock_holds" WHERE state = 'active' AND expires_at <= @now ORDER BY expires_at LIMIT @limit);

-- SelectHistory
SELECT id AS Id, 0 AS Tx, occurred_at AS OccurredAt, sku AS Sku, location AS Location, kind AS Kind, on_hand_delta AS OnHandDelta, reserved_delta AS ReservedDelta, hold_id AS HoldIdText, reference AS Reference, note AS Note, on_hand_after AS OnHandAfter, reserved_after AS ReservedAfter, safety_stock_after AS SafetyStockAfter, backorder_limit_after AS BackorderLimitAfter, low_stock_threshold_after AS LowStockThresholdAfter, version_after AS VersionAfter FROM "main"."stock_movements" WHERE sku = @sku AND location = @location AND id < @afterId ORDER BY id DESC LIMIT @limit;

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

-- SelectLastChange
SELECT 0 AS Tx, id AS Id FROM "main"."stock_movements" ORDER BY id DESC LIMIT 1;

-- SelectLeasedConsumer
SELECT checkpoint_tx AS Tx, checkpoint_seq AS Id FROM "main"."stock_change_consumers" WHERE consumer = @consumer AND lease_owner = @owner;

-- SelectLevel
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM "main"."stock_items" i WHERE i.sku = @sku AND i.location = @location;

-- SelectLevelsOfSku
SELECT sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM "main"."stock_items" i WHERE i.sku = @sku ORDER BY i.location;

-- SelectMaxChangeId
-- (none on this engine)

-- SelectNeedsUpgrade
SELECT COUNT(*) FROM sqlite_master m WHERE m.type = 'table' AND m.name = 'stock_movements' AND NOT EXISTS (SELECT 1 FROM pragma_table_info('stock_movements') c WHERE c.name = 'version_after');

-- SelectNeedsUpgrade4
SELECT COUNT(*) FROM sqlite_master m WHERE m.type = 'table' AND m.name = 'stock_items' AND NOT EXISTS (SELECT 1 FROM pragma_table_info('stock_items') c WHERE c.name = 'released');

-- SelectOrderBackorders
SELECT b.id AS Id, b.sku AS Sku, b.location AS Location, b.order_reference AS OrderReference, b.hold_id AS HoldIdText, b.kind AS Kind, b.quantity AS Quantity, b.filled AS Filled, b.state AS State, CASE WHEN b.hold_id IS NULL OR (h.state = 'active' AND h.expires_at > @now AND NOT EXISTS (SELECT 1 FROM "main"."stock_hold_lines" g WHERE g.hold_id = b.hold_id AND g.released = TRUE)) THEN 0 ELSE 1 END AS HoldGone FROM "main"."stock_backorders" b LEFT JOIN "main"."stock_holds" h ON h.id = b.hold_id WHERE b.order_reference = @reference ORDER BY b.id;

-- SelectParkedChanges
SELECT consumer AS Consumer, position_tx AS Tx, position_seq AS Id, sku AS Sku, location AS Location, kind AS Kind, attempts AS Attempts, error AS Error, parked_at AS ParkedAt FROM "main"."stock_parked_changes" WHERE consumer = @consumer ORDER BY position_tx, position_seq LIMIT @limit;

-- SelectSchemaVersion
SELECT MAX(version) FROM "main"."stock_schema_version";

-- SelectSchemaVersionTableExists
SELECT COUNT(*) FROM "main".sqlite_master WHERE type = 'table' AND name = 'stock_schema_version';

-- SelectServerTime
-- (none on this engine)

-- SelectWaitersToClaim
SELECT t.id AS Id, t.customer_reference AS CustomerReference FROM (SELECT w.id, w.customer_reference AS customer_reference, ROW_NUMBER() OVER (ORDER BY w.id) AS n, i.on_hand - i.reserved - i.safety_stock AS free FROM "main"."stock_waitlist" w JOIN "main"."stock_items" i ON i.sku = w.sku AND i.location = w.location WHERE w.sku = @sku AND w.location = @location AND w.state = 'waiting' AND i.on_hand - i.reserved - i.safety_stock > 0) t WHERE t.n <= t.free ORDER BY t.id;

-- SelectWaitingBackorders
SELECT b.id AS Id, b.sku AS Sku, b.location AS Location, b.order_reference AS OrderReference, b.hold_id AS HoldIdText, b.kind AS Kind, b.quantity AS Quantity, b.filled AS Filled, b.state AS State, CASE WHEN b.hold_id IS NULL OR (h.state = 'active' AND h.expires_at > @now AND NOT EXISTS (SELECT 1 FROM "main"."stock_hold_lines" g WHERE g.hold_id = b.hold_id AND g.released = TRUE)) THEN 0 ELSE 1 END AS HoldGone FROM "main"."stock_backorders" b LEFT JOIN "main"."stock_holds" h ON h.id = b.hold_id WHERE b.sku = @sku AND b.location = @location AND b.state = 'waiting' ORDER BY b.id;

-- SelectWaitlistPlace
SELECT w.id AS Id, w.state AS State, w.joined_at AS JoinedAt, w.hold_id AS HoldIdText, h.state AS HoldState, h.expires_at AS ExpiresAt, CASE WHEN w.state = 'waiting' THEN (SELECT COUNT(*) FROM "main"."stock_waitlist" e WHERE e.sku = w.sku AND e.location = w.location AND e.state = 'waiting' AND e.id <= w.id) ELSE 0 END AS Position FROM "main"."stock_waitlist" w LEFT JOIN "main"."stock_holds" h ON h.id = w.hold_id WHERE w.sku = @sku AND w.location = @location AND w.customer_reference = @reference;

-- SellBatch
-- (none on this engine)

-- SellBatchRollback
-- (none on this engine)

-- SellBatchUnreserved
-- (none on this engine)

-- SetHoldExpiry
UPDATE "main"."stock_holds" SET expires_at = @expiresAt WHERE id = @id AND state = 'active';

-- SetIdempotencyResult
UPDATE "main"."stock_idempotency_keys" SET result = @result WHERE idempotency_key = @key;

-- SetIdempotencyResults
UPDATE "main"."stock_idempotency_keys" SET result = CASE idempotency_key WHEN @k0 THEN @r0 WHEN @k1 THEN @r1 END WHERE idempotency_key IN (@k0, @k1);

-- TryInsertIdempotencyKey
INSERT INTO "main"."stock_idempotency_keys" (idempotency_key, fingerprint, result, created_at) VALUES (@key, @fingerprint, NULL, @createdAt) ON CONFLICT (idempotency_key) DO NOTHING;

-- UnlockSchema
-- (none on this engine)

-- UpsertPolicy
INSERT INTO "main"."stock_items" AS i (sku, location, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version, pre_order_limit, expected_restock) VALUES (@sku, @location, 0, 0, @safetyStock, @backorderLimit, @lowStockThreshold, 1, @preOrderLimit, @expectedRestock) ON CONFLICT (sku, location) DO UPDATE SET safety_stock = excluded.safety_stock, backorder_limit = excluded.backorder_limit, low_stock_threshold = excluded.low_stock_threshold, version = i.version + 1, pre_order_limit = excluded.pre_order_limit, expected_restock = excluded.expected_restock RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- UpsertReceipt
INSERT INTO "main"."stock_items" AS i (sku, location, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version, released) VALUES (@sku, @location, @quantity, 0, 0, 0, 0, 1, 1) ON CONFLICT (sku, location) DO UPDATE SET on_hand = i.on_hand + excluded.on_hand, version = i.version + 1, released = 1 RETURNING sku AS Sku, location AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN "stock_items".reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM "main"."stock_hold_lines" l JOIN "main"."stock_holds" h ON h.id = l.hold_id WHERE l.sku = "stock_items".sku AND l.location = "stock_items".location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines;

-- Waitlist
"main"."stock_waitlist";

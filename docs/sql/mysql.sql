-- Every statement the mysql store sends with its default options, as the store builds it.
-- Written by tests/StockGuard.Tests/SqlGoldenFileTests.cs; do not edit by hand.

-- AcquireChangeLease
UPDATE `stockguard`.`stock_change_consumers` SET lease_owner = @owner, lease_expires_at = @expiresAt WHERE consumer = @consumer AND (lease_owner IS NULL OR lease_owner = @owner OR lease_expires_at <= @now);

-- BatchCommitWithoutFlush
-- (none on this engine)

-- BumpVersion
UPDATE `stockguard`.`stock_items` SET version = version + 1 WHERE sku = @sku AND location = @location;

-- CancelBackorder
UPDATE `stockguard`.`stock_backorders` SET state = 'cancelled' WHERE id = @id AND state = 'waiting';

-- Change
UPDATE `stockguard`.`stock_items` AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 WHERE sku = @sku AND location = @location;
SELECT CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM `stockguard`.`stock_items` i WHERE ROW_COUNT() > 0 AND i.sku = @sku AND i.location = @location;

-- ChangeBatchIfSellable
UPDATE `stockguard`.`stock_items` AS i SET on_hand = on_hand + @onHandDelta, version = version + @versions WHERE sku = @sku AND location = @location AND on_hand - reserved - safety_stock >= @quantity;
SELECT CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM `stockguard`.`stock_items` i WHERE ROW_COUNT() > 0 AND i.sku = @sku AND i.location = @location;

-- ChangeIfSellable
UPDATE `stockguard`.`stock_items` AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 WHERE sku = @sku AND location = @location AND on_hand - reserved - safety_stock + (CASE WHEN pre_order_limit > 0 AND released = 0 THEN pre_order_limit ELSE backorder_limit END) >= @quantity;
SELECT CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM `stockguard`.`stock_items` i WHERE ROW_COUNT() > 0 AND i.sku = @sku AND i.location = @location;

-- ChangeIfVersion
UPDATE `stockguard`.`stock_items` AS i SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 WHERE sku = @sku AND location = @location AND version = @version;
SELECT CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM `stockguard`.`stock_items` i WHERE ROW_COUNT() > 0 AND i.sku = @sku AND i.location = @location;

-- ChangeLocked
UPDATE `stockguard`.`stock_items` SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, version = version + 1 WHERE sku = @sku AND location = @location;

-- ChangeLockedBatch
UPDATE `stockguard`.`stock_items` SET on_hand = on_hand + @onHandDelta, version = version + @versions WHERE sku = @sku AND location = @location;

-- ClaimIdempotencyKeys
INSERT IGNORE INTO `stockguard`.`stock_idempotency_keys` (idempotency_key, fingerprint, result, created_at) VALUES (@k0, @f0, NULL, @createdAt), (@k1, @f1, NULL, @createdAt);
SELECT CONVERT(idempotency_key USING utf8mb4) FROM `stockguard`.`stock_idempotency_keys` WHERE result IS NULL AND idempotency_key IN (@k0, @k1);

-- ClaimWaiter
UPDATE `stockguard`.`stock_waitlist` SET state = 'claimed', hold_id = @holdId WHERE id = @id AND state = 'waiting';

-- CommitFlushBarrier
-- (none on this engine)

-- ConfirmHoldBackorders
UPDATE `stockguard`.`stock_backorders` SET state = CASE WHEN quantity - @givenBack > filled THEN state WHEN filled > 0 THEN 'filled' ELSE 'cancelled' END, quantity = CASE WHEN quantity - @givenBack > filled THEN quantity - @givenBack WHEN filled > 0 THEN filled ELSE quantity END, hold_id = NULL WHERE hold_id = @holdId AND sku = @sku AND location = @location AND state = 'waiting';

-- ConfirmHoldOne
SET SESSION session_track_schema = OFF;
CALL `stockguard`.`stock_finish_hold_one`(@holdId, @now, TRUE);

-- DeductOne
SET SESSION session_track_schema = OFF;
CALL `stockguard`.`stock_deduct_one_v9`(@sku, @location, @quantity, @now, @reference);

-- DeductOneKeyed
SET SESSION session_track_schema = OFF;
CALL `stockguard`.`stock_deduct_one_keyed_v9`(@sku, @location, @quantity, @now, @reference, @key, @fingerprint);

-- DeductOneRollback
ROLLBACK;

-- FillBackorder
UPDATE `stockguard`.`stock_backorders` SET filled = @filled, state = @state WHERE id = @id AND state = 'waiting';

-- FinishHold
UPDATE `stockguard`.`stock_holds` SET state = @state, finished_at = @finishedAt WHERE id = @id AND state = 'active';

-- InsertBackorder
INSERT INTO `stockguard`.`stock_backorders` (sku, location, order_reference, hold_id, kind, quantity, filled, state, created_at) VALUES (@sku, @location, @reference, @holdId, @kind, @quantity, 0, 'waiting', @now);

-- InsertChangeConsumer
INSERT INTO `stockguard`.`stock_change_consumers` (consumer, checkpoint_tx, checkpoint_seq) VALUES (@consumer, 0, 0) ON DUPLICATE KEY UPDATE consumer = consumer;

-- InsertHold
INSERT INTO `stockguard`.`stock_holds` (id, state, created_at, expires_at, finished_at, reference) VALUES (@id, 'active', @createdAt, @expiresAt, NULL, @reference);

-- InsertHoldLine
INSERT INTO `stockguard`.`stock_hold_lines` (hold_id, line_no, sku, location, quantity, released) VALUES (@holdId, @lineNo, @sku, @location, @quantity, FALSE);

-- InsertMovement
INSERT INTO `stockguard`.`stock_movements` (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note, on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after) SELECT @at, @sku, @location, @kind, @onHandDelta, @reservedDelta, @holdId, @reference, @note, i.on_hand, i.reserved, i.safety_stock, i.backorder_limit, i.low_stock_threshold, i.version FROM `stockguard`.`stock_items` i WHERE i.sku = @sku AND i.location = @location;

-- InsertParkedChange
INSERT INTO `stockguard`.`stock_parked_changes` (consumer, position_tx, position_seq, sku, location, kind, attempts, error, parked_at) VALUES (@consumer, @tx, @seq, @sku, @location, @kind, @attempts, @error, @parkedAt) ON DUPLICATE KEY UPDATE consumer = consumer;

-- InsertSaleMovements
INSERT INTO `stockguard`.`stock_movements` (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note, on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after) VALUES (@at, @sku, @location, 'sale', @d0, 0, NULL, @r0, NULL, @o0, @reserved, @safetyStock, @backorderLimit, @lowStockThreshold, @v0), (@at, @sku, @location, 'sale', @d1, 0, NULL, @r1, NULL, @o1, @reserved, @safetyStock, @backorderLimit, @lowStockThreshold, @v1);

-- InsertWaiter
INSERT INTO `stockguard`.`stock_waitlist` (sku, location, customer_reference, state, joined_at, hold_id) VALUES (@sku, @location, @reference, 'waiting', @joinedAt, NULL);

-- LeaveWaiter
UPDATE `stockguard`.`stock_waitlist` SET state = 'left' WHERE sku = @sku AND location = @location AND customer_reference = @reference AND state = 'waiting';

-- LockExpiredHolds
SELECT id AS HoldId FROM `stockguard`.`stock_holds` WHERE id IN (@h0, @h1) AND state = 'active' AND expires_at <= @now ORDER BY id FOR UPDATE SKIP LOCKED;

-- LockHold
SELECT id AS Id, state AS State, created_at AS CreatedAt, expires_at AS ExpiresAt, finished_at AS FinishedAt, reference AS Reference FROM `stockguard`.`stock_holds` WHERE id = @id FOR UPDATE;

-- LockItem
SELECT 1 FROM `stockguard`.`stock_items` WHERE sku = @sku AND location = @location FOR UPDATE;

-- LockItemsOfHold
-- (none on this engine)

-- LockLeasedConsumer
SELECT 1 FROM `stockguard`.`stock_change_consumers` WHERE consumer = @consumer AND lease_owner = @owner AND lease_expires_at > @now FOR UPDATE;

-- LockLevel
SELECT CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM `stockguard`.`stock_items` i WHERE i.sku = @sku AND i.location = @location FOR UPDATE;

-- LockSchema
SELECT GET_LOCK('stockguard-schema', IF(@seconds < 0, 31536000, @seconds));

-- MarkItemsReleased
UPDATE `stockguard`.`stock_items` SET released = 1 WHERE released = 0;

-- PurgeFinishedHolds
DELETE FROM `stockguard`.`stock_holds` WHERE state <> 'active' AND finished_at <= @before AND NOT EXISTS (SELECT 1 FROM `stockguard`.`stock_hold_lines` l WHERE l.hold_id = `stockguard`.`stock_holds`.id AND l.released = FALSE) ORDER BY finished_at LIMIT @limit;

-- PurgeIdempotencyKeys
DELETE FROM `stockguard`.`stock_idempotency_keys` WHERE created_at <= @before ORDER BY created_at LIMIT @limit;

-- ReleaseChangeLease
UPDATE `stockguard`.`stock_change_consumers` SET lease_owner = NULL, lease_expires_at = NULL WHERE consumer = @consumer AND lease_owner = @owner;

-- ReleaseExpiredLines
INSERT INTO `stockguard`.`stock_movements` (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note, on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after) SELECT @now, l.sku, l.location, 'hold_expired', 0, -l.quantity, l.hold_id, h.reference, NULL, i.on_hand, i.reserved - SUM(l.quantity) OVER (ORDER BY l.hold_id, l.line_no ROWS UNBOUNDED PRECEDING), i.safety_stock, i.backorder_limit, i.low_stock_threshold, i.version + ROW_NUMBER() OVER (ORDER BY l.hold_id, l.line_no) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id JOIN `stockguard`.`stock_items` i ON i.sku = l.sku AND i.location = l.location WHERE l.sku = @sku AND l.location = @location AND l.released = FALSE AND h.expires_at <= @now ORDER BY l.hold_id, l.line_no;
UPDATE `stockguard`.`stock_items` SET reserved = reserved - (SELECT COALESCE(SUM(l.quantity), 0) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = @sku AND l.location = @location AND l.released = FALSE AND h.expires_at <= @now), version = version + (SELECT COUNT(*) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = @sku AND l.location = @location AND l.released = FALSE AND h.expires_at <= @now) WHERE sku = @sku AND location = @location AND EXISTS (SELECT 1 FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = @sku AND l.location = @location AND l.released = FALSE AND h.expires_at <= @now);
UPDATE `stockguard`.`stock_hold_lines` SET released = TRUE WHERE sku = @sku AND location = @location AND released = FALSE AND hold_id IN (SELECT id FROM `stockguard`.`stock_holds` WHERE expires_at <= @now);

-- ReleaseHoldLine
UPDATE `stockguard`.`stock_hold_lines` SET released = TRUE WHERE hold_id = @holdId AND sku = @sku AND location = @location AND released = FALSE;

-- ReleaseHoldOne
SET SESSION session_track_schema = OFF;
CALL `stockguard`.`stock_finish_hold_one`(@holdId, @now, FALSE);

-- ReserveOne
SET SESSION session_track_schema = OFF;
CALL `stockguard`.`stock_reserve_one`(@sku, @location, @quantity, @now, @reference, @holdId, @expiresAt);

-- SaveChangeCheckpoint
UPDATE `stockguard`.`stock_change_consumers` SET checkpoint_tx = @tx, checkpoint_seq = @seq, lease_expires_at = @expiresAt WHERE consumer = @consumer AND lease_owner = @owner AND lease_expires_at > @now;

-- SelectBalance
SELECT CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, COALESCE((SELECT SUM(m.on_hand_delta) FROM `stockguard`.`stock_movements` m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerOnHand, COALESCE((SELECT SUM(m.reserved_delta) FROM `stockguard`.`stock_movements` m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerReserved, COALESCE((SELECT SUM(l.quantity) FROM `stockguard`.`stock_hold_lines` l WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE), 0) AS HeldReserved FROM `stockguard`.`stock_items` i WHERE i.sku = @sku AND i.location = @location;

-- SelectBalancesPage
SELECT CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, COALESCE((SELECT SUM(m.on_hand_delta) FROM `stockguard`.`stock_movements` m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerOnHand, COALESCE((SELECT SUM(m.reserved_delta) FROM `stockguard`.`stock_movements` m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerReserved, COALESCE((SELECT SUM(l.quantity) FROM `stockguard`.`stock_hold_lines` l WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE), 0) AS HeldReserved FROM `stockguard`.`stock_items` i WHERE i.sku >= @afterSku AND (i.sku > @afterSku OR i.location > @afterLocation) ORDER BY i.sku, i.location LIMIT @limit;

-- SelectChanges
SELECT id AS Id, 0 AS Tx, occurred_at AS OccurredAt, CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, kind AS Kind, on_hand_delta AS OnHandDelta, reserved_delta AS ReservedDelta, hold_id AS HoldId, reference AS Reference, note AS Note, on_hand_after AS OnHandAfter, reserved_after AS ReservedAfter, safety_stock_after AS SafetyStockAfter, backorder_limit_after AS BackorderLimitAfter, low_stock_threshold_after AS LowStockThresholdAfter, version_after AS VersionAfter FROM `stockguard`.`stock_movements` WHERE id > @afterId ORDER BY id LIMIT @limit LOCK IN SHARE MODE;

-- SelectExpiredHolds
SELECT h.id AS HoldId, CONVERT(l.sku USING utf8mb4) AS Sku, CONVERT(l.location USING utf8mb4) AS Location FROM `stockguard`.`stock_holds` h LEFT JOIN `stockguard`.`stock_hold_lines` l ON l.hold_id = h.id AND l.released = FALSE WHERE h.id IN (SELECT id FROM (SELECT id FROM `stockguard`.`stock_holds` WHERE state = 'active' AND expires_at <= @now ORDER BY expires_at LIMIT @limit) batch);

-- SelectHistory
SELECT id AS Id, 0 AS Tx, occurred_at AS OccurredAt, CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, kind AS Kind, on_hand_delta AS OnHandDelta, reserved_delta AS ReservedDelta, hold_id AS HoldId, reference AS Reference, note AS Note, on_hand_after AS OnHandAfter, reserved_after AS ReservedAfter, safety_stock_after AS SafetyStockAfter, backorder_limit_after AS BackorderLimitAfter, low_stock_threshold_after AS LowStockThresholdAfter, version_after AS VersionAfter FROM `stockguard`.`stock_movements` WHERE sku = @sku AND location = @location AND id < @afterId ORDER BY id DESC LIMIT @limit;

-- SelectHold
SELECT id AS Id, state AS State, created_at AS CreatedAt, expires_at AS ExpiresAt, finished_at AS FinishedAt, reference AS Reference FROM `stockguard`.`stock_holds` WHERE id = @id;

-- SelectHoldLines
SELECT CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, quantity AS Quantity, released AS Released FROM `stockguard`.`stock_hold_lines` WHERE hold_id = @holdId ORDER BY line_no;

-- SelectHoldSaleMovements
SELECT kind AS Kind, on_hand_delta AS OnHandDelta FROM `stockguard`.`stock_movements` WHERE sku = @sku AND location = @location AND hold_id = @holdId AND kind IN ('hold_confirmed', 'return');

-- SelectIdempotencyKey
SELECT fingerprint AS Fingerprint, result AS Result FROM `stockguard`.`stock_idempotency_keys` WHERE idempotency_key = @key;

-- SelectInTransaction
SELECT @@in_transaction;

-- SelectLastChange
-- (none on this engine)

-- SelectLeasedConsumer
SELECT checkpoint_tx AS Tx, checkpoint_seq AS Id FROM `stockguard`.`stock_change_consumers` WHERE consumer = @consumer AND lease_owner = @owner;

-- SelectLevel
SELECT CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM `stockguard`.`stock_items` i WHERE i.sku = @sku AND i.location = @location;

-- SelectLevelsOfSku
SELECT CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM `stockguard`.`stock_items` i WHERE i.sku = @sku ORDER BY i.location;

-- SelectMaxChangeId
SELECT MAX(id) FROM `stockguard`.`stock_movements`;

-- SelectNeedsUpgrade
SELECT COUNT(*) FROM information_schema.tables t WHERE t.table_schema = 'stockguard' AND t.table_name = 'stock_movements' AND NOT EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'version_after');

-- SelectNeedsUpgrade4
SELECT COUNT(*) FROM information_schema.tables t WHERE t.table_schema = 'stockguard' AND t.table_name = 'stock_items' AND NOT EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'released');

-- SelectOrderBackorders
SELECT b.id AS Id, CONVERT(b.sku USING utf8mb4) AS Sku, CONVERT(b.location USING utf8mb4) AS Location, CONVERT(b.order_reference USING utf8mb4) AS OrderReference, b.hold_id AS HoldId, b.kind AS Kind, b.quantity AS Quantity, b.filled AS Filled, b.state AS State, CASE WHEN b.hold_id IS NULL OR (h.state = 'active' AND h.expires_at > @now AND NOT EXISTS (SELECT 1 FROM `stockguard`.`stock_hold_lines` g WHERE g.hold_id = b.hold_id AND g.released = TRUE)) THEN 0 ELSE 1 END AS HoldGone FROM `stockguard`.`stock_backorders` b LEFT JOIN `stockguard`.`stock_holds` h ON h.id = b.hold_id WHERE b.order_reference = @reference ORDER BY b.id;

-- SelectParkedChanges
SELECT consumer AS Consumer, position_tx AS Tx, position_seq AS Id, sku AS Sku, location AS Location, kind AS Kind, attempts AS Attempts, error AS Error, parked_at AS ParkedAt FROM `stockguard`.`stock_parked_changes` WHERE consumer = @consumer ORDER BY position_tx, position_seq LIMIT @limit;

-- SelectSchemaVersion
SELECT MAX(version) FROM `stockguard`.`stock_schema_version`;

-- SelectSchemaVersionTableExists
SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'stockguard' AND table_name = 'stock_schema_version';

-- SelectServerTime
SELECT TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6));

-- SelectWaitersToClaim
SELECT t.id AS Id, t.customer_reference AS CustomerReference FROM (SELECT w.id, CONVERT(w.customer_reference USING utf8mb4) AS customer_reference, ROW_NUMBER() OVER (ORDER BY w.id) AS n, i.on_hand - i.reserved - i.safety_stock AS free FROM `stockguard`.`stock_waitlist` w JOIN `stockguard`.`stock_items` i ON i.sku = w.sku AND i.location = w.location WHERE w.sku = @sku AND w.location = @location AND w.state = 'waiting' AND i.on_hand - i.reserved - i.safety_stock > 0) t WHERE t.n <= t.free ORDER BY t.id;

-- SelectWaitingBackorders
SELECT b.id AS Id, CONVERT(b.sku USING utf8mb4) AS Sku, CONVERT(b.location USING utf8mb4) AS Location, CONVERT(b.order_reference USING utf8mb4) AS OrderReference, b.hold_id AS HoldId, b.kind AS Kind, b.quantity AS Quantity, b.filled AS Filled, b.state AS State, CASE WHEN b.hold_id IS NULL OR (h.state = 'active' AND h.expires_at > @now AND NOT EXISTS (SELECT 1 FROM `stockguard`.`stock_hold_lines` g WHERE g.hold_id = b.hold_id AND g.released = TRUE)) THEN 0 ELSE 1 END AS HoldGone FROM `stockguard`.`stock_backorders` b LEFT JOIN `stockguard`.`stock_holds` h ON h.id = b.hold_id WHERE b.sku = @sku AND b.location = @location AND b.state = 'waiting' ORDER BY b.id;

-- SelectWaitlistPlace
SELECT w.id AS Id, w.state AS State, w.joined_at AS JoinedAt, w.hold_id AS HoldId, h.state AS HoldState, h.expires_at AS ExpiresAt, CASE WHEN w.state = 'waiting' THEN (SELECT COUNT(*) FROM `stockguard`.`stock_waitlist` e WHERE e.sku = w.sku AND e.location = w.location AND e.state = 'waiting' AND e.id <= w.id) ELSE 0 END AS Position FROM `stockguard`.`stock_waitlist` w LEFT JOIN `stockguard`.`stock_holds` h ON h.id = w.hold_id WHERE w.sku = @sku AND w.location = @location AND w.customer_reference = @reference;

-- SellBatch
SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
START TRANSACTION;
UPDATE `stockguard`.`stock_items` SET on_hand = on_hand + @onHandDelta, version = version + @versions WHERE sku = @sku AND location = @location AND on_hand - reserved - safety_stock >= @quantity;
INSERT INTO `stockguard`.`stock_movements` (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note, on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after) SELECT @now, i.sku, i.location, 'sale', 0 - s.quantity, 0, NULL, s.reference, NULL, i.on_hand + @quantity - SUM(s.quantity) OVER (ORDER BY s.n ROWS UNBOUNDED PRECEDING), i.reserved, i.safety_stock, i.backorder_limit, i.low_stock_threshold, i.version - @versions + s.n FROM `stockguard`.`stock_items` i JOIN JSON_TABLE(@sales, '$[*]' COLUMNS (n FOR ORDINALITY, quantity BIGINT PATH '$[0]', reference VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$[1]')) s WHERE ROW_COUNT() > 0 AND i.sku = @sku AND i.location = @location ORDER BY s.n;
SELECT CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM `stockguard`.`stock_items` i WHERE ROW_COUNT() > 0 AND i.sku = @sku AND i.location = @location;
COMMIT;

-- SellBatchRollback
ROLLBACK;

-- SellBatchUnreserved
-- (none on this engine)

-- SetHoldExpiry
UPDATE `stockguard`.`stock_holds` SET expires_at = @expiresAt WHERE id = @id AND state = 'active';

-- SetIdempotencyResult
UPDATE `stockguard`.`stock_idempotency_keys` SET result = @result WHERE idempotency_key = @key;

-- SetIdempotencyResults
UPDATE `stockguard`.`stock_idempotency_keys` SET result = CASE idempotency_key WHEN @k0 THEN @r0 WHEN @k1 THEN @r1 END WHERE idempotency_key IN (@k0, @k1);

-- TryInsertIdempotencyKey
INSERT IGNORE INTO `stockguard`.`stock_idempotency_keys` (idempotency_key, fingerprint, result, created_at) VALUES (@key, @fingerprint, NULL, @createdAt);

-- UnlockSchema
DO RELEASE_LOCK('stockguard-schema');

-- UpsertPolicy
INSERT INTO `stockguard`.`stock_items` (sku, location, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version, pre_order_limit, expected_restock) VALUES (@sku, @location, 0, 0, @safetyStock, @backorderLimit, @lowStockThreshold, 1, @preOrderLimit, @expectedRestock) ON DUPLICATE KEY UPDATE safety_stock = @safetyStock, backorder_limit = @backorderLimit, low_stock_threshold = @lowStockThreshold, version = version + 1, pre_order_limit = @preOrderLimit, expected_restock = @expectedRestock;
SELECT CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM `stockguard`.`stock_items` i WHERE ROW_COUNT() > 0 AND i.sku = @sku AND i.location = @location;

-- UpsertReceipt
INSERT INTO `stockguard`.`stock_items` (sku, location, on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version, released) VALUES (@sku, @location, @quantity, 0, 0, 0, 0, 1, 1) ON DUPLICATE KEY UPDATE on_hand = on_hand + @quantity, version = version + 1, released = 1;
SELECT CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand AS OnHand, reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit, low_stock_threshold AS LowStockThreshold, version AS Version, pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT SUM(l.quantity) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredReserved, CASE WHEN i.reserved = 0 THEN 0 ELSE COALESCE((SELECT COUNT(*) FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE AND h.expires_at <= @now), 0) END AS ExpiredLines FROM `stockguard`.`stock_items` i WHERE ROW_COUNT() > 0 AND i.sku = @sku AND i.location = @location;

-- Waitlist
`stockguard`.`stock_waitlist`;

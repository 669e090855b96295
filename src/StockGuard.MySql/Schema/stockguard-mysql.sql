-- StockGuard schema, version 9, for MySQL 8.0.29 or MariaDB 10.6 or later, InnoDB. Safe to run again. A version-1
-- database is upgraded first by stockguard-mysql-upgrade-2.sql, and a version-1 to 3 one by stockguard-mysql-upgrade-4.sql
-- (the store runs each when its columns are missing).
-- EnsureSchemaAsync runs this script with `stockguard` replaced by the configured database name; to use another
-- database by hand, replace every `stockguard` below (in backticks, as it appears) with your database name.
-- By hand: mysql --protocol=tcp -u admin -p < stockguard-mysql.sql (the DELIMITER lines are for that client; the store
-- leaves them out and ends each procedure at its `END`).
--
-- SKUs, locations and idempotency keys are VARBINARY (their UTF-8 bytes): compared byte for byte, so case and
-- trailing spaces matter. (utf8mb4_bin is a PAD SPACE collation on both servers: 'a' = 'a ' there.) The store
-- reads them back with CONVERT(... USING utf8mb4). Sizes: 128 UTF-16 code units take at most 384 UTF-8 bytes.
-- Times are UTC DATETIME(6) passed in by the store from its clock (by default readings of this server's clock,
-- counted forward on the host's monotonic clock), never a statement's own NOW(). Hold ids are CHAR(36) ascii,
-- which MySqlConnector reads as Guid (GuidFormat=Char36, its default).

CREATE DATABASE IF NOT EXISTS `stockguard` CHARACTER SET utf8mb4;

CREATE TABLE IF NOT EXISTS `stockguard`.`stock_schema_version` (
    version    INT         NOT NULL PRIMARY KEY,
    applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE = InnoDB;

-- One row per SKU and location. Available = on_hand - reserved - safety_stock; a sale needs
-- on_hand - reserved - safety_stock + backorder_limit >= quantity. reserved counts every unreleased hold line.
CREATE TABLE IF NOT EXISTS `stockguard`.`stock_items` (
    sku                 VARBINARY(512) NOT NULL,
    location            VARBINARY(256) NOT NULL,
    on_hand             BIGINT         NOT NULL DEFAULT 0,
    reserved            BIGINT         NOT NULL DEFAULT 0,
    safety_stock        BIGINT         NOT NULL DEFAULT 0,
    backorder_limit     BIGINT         NOT NULL DEFAULT 0,
    low_stock_threshold BIGINT         NOT NULL DEFAULT 0,
    version             BIGINT         NOT NULL DEFAULT 1,
    pre_order_limit     BIGINT         NOT NULL DEFAULT 0,
    expected_restock    DATETIME(6)    NULL,
    released            BIGINT         NOT NULL DEFAULT 0,
    PRIMARY KEY (sku, location),
    CONSTRAINT stock_items_reserved_not_negative CHECK (reserved >= 0),
    CONSTRAINT stock_items_policy_not_negative CHECK (safety_stock >= 0 AND backorder_limit >= 0 AND low_stock_threshold >= 0)
) ENGINE = InnoDB;

CREATE TABLE IF NOT EXISTS `stockguard`.`stock_holds` (
    id          CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    state       VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    expires_at  DATETIME(6) NOT NULL,
    finished_at DATETIME(6) NULL,
    reference   VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    KEY stock_holds_by_state_and_expiry (state, expires_at),
    KEY stock_holds_by_state_and_finish (state, finished_at),
    CONSTRAINT stock_holds_state CHECK (state IN ('active', 'confirmed', 'released', 'expired'))
) ENGINE = InnoDB;

-- released: the line's units no longer count in its item's reserved (sold, given back or expired).
CREATE TABLE IF NOT EXISTS `stockguard`.`stock_hold_lines` (
    hold_id  CHAR(36)       CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    line_no  INT            NOT NULL,
    sku      VARBINARY(512) NOT NULL,
    location VARBINARY(256) NOT NULL,
    quantity INT            NOT NULL,
    released BOOLEAN        NOT NULL DEFAULT FALSE,
    PRIMARY KEY (hold_id, line_no),
    KEY stock_hold_lines_by_item (sku, location, released),
    CONSTRAINT stock_hold_lines_hold FOREIGN KEY (hold_id) REFERENCES `stockguard`.`stock_holds` (id) ON DELETE CASCADE,
    CONSTRAINT stock_hold_lines_quantity CHECK (quantity > 0)
) ENGINE = InnoDB;

-- result is the first result of the keyed request (JSON text), written in the same transaction as its change.
CREATE TABLE IF NOT EXISTS `stockguard`.`stock_idempotency_keys` (
    idempotency_key VARBINARY(512) NOT NULL PRIMARY KEY,
    fingerprint     CHAR(64)       CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    result          LONGTEXT       CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    created_at      DATETIME(6)    NOT NULL,
    KEY stock_idempotency_keys_by_time (created_at)
) ENGINE = InnoDB;

-- The movement ledger: one row per line of every change, in the change's transaction. Summing the deltas of an
-- item rebuilds its on_hand and reserved. kind: receipt, return, sale, adjustment, hold_placed, hold_confirmed,
-- hold_released, hold_expired.
CREATE TABLE IF NOT EXISTS `stockguard`.`stock_movements` (
    id             BIGINT         NOT NULL AUTO_INCREMENT PRIMARY KEY,
    occurred_at    DATETIME(6)    NOT NULL,
    sku            VARBINARY(512) NOT NULL,
    location       VARBINARY(256) NOT NULL,
    kind           VARCHAR(32)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    on_hand_delta  BIGINT         NOT NULL,
    reserved_delta BIGINT         NOT NULL,
    hold_id        CHAR(36)       CHARACTER SET ascii COLLATE ascii_bin NULL,
    reference      VARCHAR(200)   CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    note           VARCHAR(200)   CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    on_hand_after             BIGINT NULL,
    reserved_after            BIGINT NULL,
    safety_stock_after        BIGINT NULL,
    backorder_limit_after     BIGINT NULL,
    low_stock_threshold_after BIGINT NULL,
    version_after             BIGINT NULL,
    KEY stock_movements_by_item (sku, location, id)
) ENGINE = InnoDB;

INSERT IGNORE INTO `stockguard`.`stock_schema_version` (version) VALUES (2);

-- Version 3: the change consumers. One row per consumer name: its checkpoint (the last feed position it handled) and
-- its lease (the dispatcher that delivers, until lease_expires_at by the store's clock). The checkpoint is written only
-- under the owner's unexpired lease, by the statement that renews it. Parked changes are those a consumer's handler kept
-- failing on; the consumer went on past them.
CREATE TABLE IF NOT EXISTS `stockguard`.`stock_change_consumers` (
    consumer         VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    checkpoint_tx    BIGINT       NOT NULL DEFAULT 0,
    checkpoint_seq   BIGINT       NOT NULL DEFAULT 0,
    lease_owner      VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    lease_expires_at DATETIME(6)  NULL
) ENGINE = InnoDB;

CREATE TABLE IF NOT EXISTS `stockguard`.`stock_parked_changes` (
    consumer     VARCHAR(100)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    position_tx  BIGINT        NOT NULL,
    position_seq BIGINT        NOT NULL,
    sku          VARCHAR(128)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    location     VARCHAR(64)   CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    kind         VARCHAR(32)   CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    attempts     INT           NOT NULL,
    error        VARCHAR(4000) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    parked_at    DATETIME(6)   NOT NULL,
    PRIMARY KEY (consumer, position_tx, position_seq)
) ENGINE = InnoDB;

INSERT IGNORE INTO `stockguard`.`stock_schema_version` (version) VALUES (3);

-- Version 4: backorders and pre-orders. The items' columns pre_order_limit, expected_restock and released are in the
-- table above (added to older tables by stockguard-mysql-upgrade-4.sql, every existing item counted as released). An
-- item may be sold on pre-order (down to -pre_order_limit) until it is first received (released = 1), and on backorder
-- (down to -backorder_limit) after. One row below per order line sold below zero: the units below zero (quantity) wait
-- for receipts, which fill the waiting rows of an item in id order (the arrival sequence) in their own transaction. A
-- row changes only while its item's row is locked. hold_id: the hold that reserved the units, until it is confirmed
-- (then NULL); a row of a hold that ended without a sale owns no unit and is never filled.
CREATE TABLE IF NOT EXISTS `stockguard`.`stock_backorders` (
    id              BIGINT         NOT NULL AUTO_INCREMENT PRIMARY KEY,
    sku             VARBINARY(512) NOT NULL,
    location        VARBINARY(256) NOT NULL,
    order_reference VARBINARY(800) NULL,
    hold_id         CHAR(36)       CHARACTER SET ascii COLLATE ascii_bin NULL,
    kind            VARCHAR(16)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    quantity        INT            NOT NULL,
    filled          INT            NOT NULL DEFAULT 0,
    state           VARCHAR(16)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at      DATETIME(6)    NOT NULL,
    KEY stock_backorders_by_item (sku, location, state, id),
    KEY stock_backorders_by_order (order_reference, id),
    CONSTRAINT stock_backorders_kind CHECK (kind IN ('backorder', 'pre_order')),
    CONSTRAINT stock_backorders_units CHECK (quantity > 0 AND filled >= 0 AND filled <= quantity),
    CONSTRAINT stock_backorders_state CHECK (state IN ('waiting', 'filled', 'cancelled'))
) ENGINE = InnoDB;

INSERT IGNORE INTO `stockguard`.`stock_schema_version` (version) VALUES (4);

-- Version 5: waitlists. One row per customer and item, in queue order (id). state: waiting, claimed (hold_id names
-- the claim's one-unit hold, whose state tells whether it was bought or lapsed) or left. Rows of an item change only
-- while its stock_items row is locked, so the queue is ordered by that lock.
CREATE TABLE IF NOT EXISTS `stockguard`.`stock_waitlist` (
    id                 BIGINT         NOT NULL AUTO_INCREMENT PRIMARY KEY,
    sku                VARBINARY(512) NOT NULL,
    location           VARBINARY(256) NOT NULL,
    customer_reference VARBINARY(800) NOT NULL,
    state              VARCHAR(16)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    joined_at          DATETIME(6)    NOT NULL,
    hold_id            CHAR(36)       CHARACTER SET ascii COLLATE ascii_bin NULL,
    UNIQUE KEY stock_waitlist_by_customer (sku, location, customer_reference),
    KEY stock_waitlist_by_item_state (sku, location, state, id),
    CONSTRAINT stock_waitlist_state CHECK (state IN ('waiting', 'claimed', 'left'))
) ENGINE = InnoDB;

INSERT IGNORE INTO `stockguard`.`stock_schema_version` (version) VALUES (5);

-- Version 6: the one-line deduct as stored procedures, one short CALL per sale. The server keeps a procedure's parsed
-- statements in the session's routine cache, so a pooled session parses the body once rather than on every sale
-- (a session reset, e.g. MySqlConnector's Connection Reset, empties that cache). Each procedure is one transaction
-- under READ COMMITTED: the item is locked first by a locking read that tests the sale's condition on the newest row
-- (with nothing on hold, never below zero); only then are the change, its movement (and, keyed, the key with its first
-- result) written. It returns one row set, the item's level after the sale, empty when nothing was changed (short,
-- unknown, units on hold, or the key already taken), before its COMMIT: an error reported before that row set has
-- ended means nothing was committed. SQL SECURITY INVOKER: the caller's own privileges apply. A body never changes
-- under its name (a later version that changes one creates it under a new name), so IF NOT EXISTS keeps the script
-- re-runnable without replacing a routine that other sessions are running.
DELIMITER $$

CREATE PROCEDURE IF NOT EXISTS `stockguard`.`stock_deduct_one` (
    p_sku       VARBINARY(512),
    p_location  VARBINARY(256),
    p_quantity  BIGINT,
    p_now       DATETIME(6),
    p_reference VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin)
    MODIFIES SQL DATA
    SQL SECURITY INVOKER
BEGIN
    DECLARE v_on_hand, v_reserved, v_safety, v_backorder, v_low, v_version BIGINT;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    SELECT on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version
      INTO v_on_hand, v_reserved, v_safety, v_backorder, v_low, v_version
      FROM `stockguard`.`stock_items`
     WHERE sku = p_sku AND location = p_location AND reserved = 0 AND on_hand - safety_stock >= p_quantity
       FOR UPDATE;
    IF v_version IS NOT NULL THEN
        SET v_on_hand = v_on_hand - p_quantity, v_version = v_version + 1;
        UPDATE `stockguard`.`stock_items` SET on_hand = v_on_hand, version = v_version WHERE sku = p_sku AND location = p_location;
        INSERT INTO `stockguard`.`stock_movements` (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note,
            on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after)
        VALUES (p_now, p_sku, p_location, 'sale', 0 - p_quantity, 0, NULL, p_reference, NULL,
            v_on_hand, v_reserved, v_safety, v_backorder, v_low, v_version);
    END IF;
    SELECT CONVERT(p_sku USING utf8mb4) AS Sku, CONVERT(p_location USING utf8mb4) AS Location, v_on_hand AS OnHand,
           v_reserved AS Reserved, v_safety AS SafetyStock, v_backorder AS BackorderLimit, v_low AS LowStockThreshold,
           v_version AS Version
      FROM DUAL WHERE v_version IS NOT NULL;
    COMMIT;
END$$

-- The same sale with its idempotency key: under the item's lock, INSERT IGNORE claims the key with the sale's result
-- (the JSON the store's ledger writes for an applied deduct), waiting for a concurrent request that holds the key;
-- the sale is written only when this call inserted the key, so the key is stored with a result exactly when the sale
-- applies. A key already taken changes nothing: the store's transaction then replays or refuses it.
CREATE PROCEDURE IF NOT EXISTS `stockguard`.`stock_deduct_one_keyed` (
    p_sku         VARBINARY(512),
    p_location    VARBINARY(256),
    p_quantity    BIGINT,
    p_now         DATETIME(6),
    p_reference   VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    p_key         VARBINARY(512),
    p_fingerprint CHAR(64) CHARACTER SET ascii COLLATE ascii_bin)
    MODIFIES SQL DATA
    SQL SECURITY INVOKER
BEGIN
    DECLARE v_on_hand, v_reserved, v_safety, v_backorder, v_low, v_version BIGINT;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    SELECT on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version
      INTO v_on_hand, v_reserved, v_safety, v_backorder, v_low, v_version
      FROM `stockguard`.`stock_items`
     WHERE sku = p_sku AND location = p_location AND reserved = 0 AND on_hand - safety_stock >= p_quantity
       FOR UPDATE;
    IF v_version IS NOT NULL THEN
        SET v_on_hand = v_on_hand - p_quantity, v_version = v_version + 1;
        INSERT IGNORE INTO `stockguard`.`stock_idempotency_keys` (idempotency_key, fingerprint, result, created_at)
        VALUES (p_key, p_fingerprint,
            CONCAT('{"Ok":true,"Levels":[{"Sku":', JSON_QUOTE(CONVERT(p_sku USING utf8mb4)), ',"Loc":', JSON_QUOTE(CONVERT(p_location USING utf8mb4)),
                ',"OnHand":', v_on_hand, ',"Reserved":', v_reserved, ',"Safety":', v_safety, ',"Backorder":', v_backorder,
                ',"Low":', v_low, ',"Version":', v_version, '}],"Short":[]}'),
            p_now);
        IF ROW_COUNT() = 1 THEN
            UPDATE `stockguard`.`stock_items` SET on_hand = v_on_hand, version = v_version WHERE sku = p_sku AND location = p_location;
            INSERT INTO `stockguard`.`stock_movements` (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note,
                on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after)
            VALUES (p_now, p_sku, p_location, 'sale', 0 - p_quantity, 0, NULL, p_reference, NULL,
                v_on_hand, v_reserved, v_safety, v_backorder, v_low, v_version);
        ELSE
            SET v_version = NULL;
        END IF;
    END IF;
    SELECT CONVERT(p_sku USING utf8mb4) AS Sku, CONVERT(p_location USING utf8mb4) AS Location, v_on_hand AS OnHand,
           v_reserved AS Reserved, v_safety AS SafetyStock, v_backorder AS BackorderLimit, v_low AS LowStockThreshold,
           v_version AS Version
      FROM DUAL WHERE v_version IS NOT NULL;
    COMMIT;
END$$

DELIMITER ;

INSERT IGNORE INTO `stockguard`.`stock_schema_version` (version) VALUES (6);


-- Version 7: the cart's steps as stored procedures, one short CALL each, like the sale of version 6: a one-line hold
-- (stock_reserve_one) and the confirm or release of an active one-line hold (stock_finish_hold_one). Each is one
-- transaction under READ COMMITTED that returns one row set before its COMMIT, empty when nothing was changed (the
-- store's transactional path then gives the exact answer), so an error reported before that row set has ended means
-- nothing was committed. The hold takes the item's lock by a locking read that tests the hold's condition on the newest
-- row (units available counting every unreleased line, so reserved never exceeds what it may) and writes the item, the
-- hold, its line and its hold_placed movement. The finish locks the item of the hold's one line first, then the hold
-- (the lock order of every hold operation), and changes anything only while the hold is active, unexpired at p_now,
-- its line unreleased and nobody waits for its item (units given back go to waiters first, which the transactional
-- path does): the hold finished, its line released, the item lowered, one movement, and for a confirm the hold's
-- waiting backorders made a sale's.
DELIMITER $$

CREATE PROCEDURE IF NOT EXISTS `stockguard`.`stock_reserve_one` (
    p_sku        VARBINARY(512),
    p_location   VARBINARY(256),
    p_quantity   BIGINT,
    p_now        DATETIME(6),
    p_reference  VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    p_hold_id    CHAR(36) CHARACTER SET ascii COLLATE ascii_bin,
    p_expires_at DATETIME(6))
    MODIFIES SQL DATA
    SQL SECURITY INVOKER
BEGIN
    DECLARE v_on_hand, v_reserved, v_safety, v_backorder, v_low, v_version, v_pre_order, v_released BIGINT;
    DECLARE v_restock DATETIME(6);
    DECLARE v_expired_units, v_expired_lines BIGINT DEFAULT 0;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    SELECT on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version, pre_order_limit, expected_restock, released
      INTO v_on_hand, v_reserved, v_safety, v_backorder, v_low, v_version, v_pre_order, v_restock, v_released
      FROM `stockguard`.`stock_items`
     WHERE sku = p_sku AND location = p_location AND on_hand - reserved - safety_stock >= p_quantity
       FOR UPDATE;
    IF v_version IS NOT NULL THEN
        SET v_reserved = v_reserved + p_quantity, v_version = v_version + 1;
        UPDATE `stockguard`.`stock_items` SET reserved = v_reserved, version = v_version WHERE sku = p_sku AND location = p_location;
        INSERT INTO `stockguard`.`stock_holds` (id, state, created_at, expires_at, finished_at, reference)
        VALUES (p_hold_id, 'active', p_now, p_expires_at, NULL, p_reference);
        INSERT INTO `stockguard`.`stock_hold_lines` (hold_id, line_no, sku, location, quantity, released)
        VALUES (p_hold_id, 0, p_sku, p_location, p_quantity, FALSE);
        INSERT INTO `stockguard`.`stock_movements` (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note,
            on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after)
        VALUES (p_now, p_sku, p_location, 'hold_placed', 0, p_quantity, p_hold_id, p_reference, NULL,
            v_on_hand, v_reserved, v_safety, v_backorder, v_low, v_version);
        -- The level leaves out the units of expired holds not yet given back, as every level the store returns does.
        SELECT COALESCE(SUM(l.quantity), 0), COUNT(*) INTO v_expired_units, v_expired_lines
          FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id
         WHERE l.sku = p_sku AND l.location = p_location AND l.released = FALSE AND h.expires_at <= p_now;
    END IF;
    SELECT CONVERT(p_sku USING utf8mb4) AS Sku, CONVERT(p_location USING utf8mb4) AS Location, v_on_hand AS OnHand,
           v_reserved AS Reserved, v_safety AS SafetyStock, v_backorder AS BackorderLimit, v_low AS LowStockThreshold,
           v_version AS Version, v_pre_order AS PreOrderLimit, v_restock AS ExpectedRestock, v_released AS Released,
           v_expired_units AS ExpiredReserved, v_expired_lines AS ExpiredLines
      FROM DUAL WHERE v_version IS NOT NULL;
    COMMIT;
END$$

CREATE PROCEDURE IF NOT EXISTS `stockguard`.`stock_finish_hold_one` (
    p_hold_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin,
    p_now     DATETIME(6),
    p_confirm BOOLEAN)
    MODIFIES SQL DATA
    SQL SECURITY INVOKER
BEGIN
    DECLARE v_lines BIGINT DEFAULT 0;
    DECLARE v_quantity INT DEFAULT 0;
    DECLARE v_sku VARBINARY(512);
    DECLARE v_location VARBINARY(256);
    DECLARE v_on_hand, v_reserved, v_safety, v_backorder, v_low, v_version BIGINT;
    DECLARE v_state VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin;
    DECLARE v_reference VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
    DECLARE v_done BOOLEAN DEFAULT FALSE;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    -- A line's item never changes, so it is read without a lock; the item's lock then orders this hold's step.
    SELECT COUNT(*), MIN(l.sku), MIN(l.location) INTO v_lines, v_sku, v_location
      FROM `stockguard`.`stock_hold_lines` l JOIN `stockguard`.`stock_holds` h ON h.id = l.hold_id
     WHERE l.hold_id = p_hold_id AND h.state = 'active' AND h.expires_at > p_now;
    IF v_lines = 1 THEN
        SELECT on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version
          INTO v_on_hand, v_reserved, v_safety, v_backorder, v_low, v_version
          FROM `stockguard`.`stock_items` WHERE sku = v_sku AND location = v_location FOR UPDATE;
        SELECT state, reference INTO v_state, v_reference
          FROM `stockguard`.`stock_holds` WHERE id = p_hold_id AND expires_at > p_now FOR UPDATE;
        SELECT quantity INTO v_quantity
          FROM `stockguard`.`stock_hold_lines` WHERE hold_id = p_hold_id AND line_no = 0 AND released = FALSE FOR UPDATE;
        IF v_state = 'active' AND v_quantity > 0 AND v_version IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM `stockguard`.`stock_waitlist` w WHERE w.sku = v_sku AND w.location = v_location AND w.state = 'waiting') THEN
            SET v_done = TRUE;
            SET v_reserved = v_reserved - v_quantity, v_version = v_version + 1;
            IF p_confirm THEN
                SET v_on_hand = v_on_hand - v_quantity;
            END IF;
            UPDATE `stockguard`.`stock_holds` SET state = IF(p_confirm, 'confirmed', 'released'), finished_at = p_now WHERE id = p_hold_id;
            UPDATE `stockguard`.`stock_hold_lines` SET released = TRUE WHERE hold_id = p_hold_id AND line_no = 0;
            UPDATE `stockguard`.`stock_items` SET on_hand = v_on_hand, reserved = v_reserved, version = v_version WHERE sku = v_sku AND location = v_location;
            INSERT INTO `stockguard`.`stock_movements` (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note,
                on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after)
            VALUES (p_now, v_sku, v_location, IF(p_confirm, 'hold_confirmed', 'hold_released'), IF(p_confirm, 0 - v_quantity, 0), 0 - v_quantity,
                p_hold_id, v_reference, NULL, v_on_hand, v_reserved, v_safety, v_backorder, v_low, v_version);
            IF p_confirm THEN
                UPDATE `stockguard`.`stock_backorders` SET
                       state = CASE WHEN quantity > filled THEN state WHEN filled > 0 THEN 'filled' ELSE 'cancelled' END,
                       quantity = CASE WHEN quantity > filled THEN quantity WHEN filled > 0 THEN filled ELSE quantity END,
                       hold_id = NULL
                 WHERE sku = v_sku AND location = v_location AND state = 'waiting' AND hold_id = p_hold_id;
            END IF;
        END IF;
    END IF;
    SELECT h.id AS HoldId, h.created_at AS CreatedAt, h.expires_at AS ExpiresAt, h.reference AS Reference,
           CONVERT(v_sku USING utf8mb4) AS Sku, CONVERT(v_location USING utf8mb4) AS Location, v_quantity AS Quantity
      FROM `stockguard`.`stock_holds` h WHERE h.id = p_hold_id AND v_done;
    COMMIT;
END$$

DELIMITER ;

INSERT IGNORE INTO `stockguard`.`stock_schema_version` (version) VALUES (7);

-- Version 8: the one-line deduct with one read of the item (stock_deduct_one_v8, stock_deduct_one_keyed_v8; the
-- version-6 procedures stay for stores of older versions still running). The conditional UPDATE is the lock and the
-- test in one: InnoDB reads the newest row after any lock wait and re-checks the sale's condition there (nothing on
-- hold, never below zero), as the atomic strategy's UPDATE does. Only when it matched is the movement written (keyed:
-- the key claimed first by INSERT IGNORE with the sale's result, the same text as version 6's; a key already taken rolls
-- the sale back). The text in /*M!100500 ... */ comments runs on MariaDB 10.5 or later only (a plain comment to MySQL):
-- there the UPDATE keeps the changed row in the session's @stockguard_* variables, the movement and the key's result are
-- written from them, and the level is the movement's row (INSERT ... RETURNING), so the item is read once. They are
-- INSERT ... VALUES under IF, never INSERT ... SELECT: with innodb_autoinc_lock_mode = 1 (MariaDB's default) an
-- INSERT ... SELECT holds the movements table's AUTO-INC lock to the end of its statement, and every sale waits. MySQL 8,
-- which deprecates assignments in expressions and has no RETURNING, writes them from the changed row and reads it
-- after (v_mariadb tells the two apart). One row set, empty when nothing was changed, before the COMMIT, as in version 6.
DELIMITER $$

CREATE PROCEDURE IF NOT EXISTS `stockguard`.`stock_deduct_one_v8` (
    p_sku       VARBINARY(512),
    p_location  VARBINARY(256),
    p_quantity  BIGINT,
    p_now       DATETIME(6),
    p_reference VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin)
    MODIFIES SQL DATA
    SQL SECURITY INVOKER
BEGIN
    DECLARE v_mariadb BOOLEAN DEFAULT FALSE /*M!100500 OR TRUE */;
    DECLARE v_sold BIGINT;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    UPDATE `stockguard`.`stock_items`
       SET on_hand = /*M!100500 (@stockguard_on_hand := */ on_hand - p_quantity /*M!100500 ) */,
           version = /*M!100500 (@stockguard_version := */ version + 1 /*M!100500 ) */
           /*M!100500 , reserved = (@stockguard_reserved := reserved), safety_stock = (@stockguard_safety_stock := safety_stock),
           backorder_limit = (@stockguard_backorder_limit := backorder_limit),
           low_stock_threshold = (@stockguard_low_stock_threshold := low_stock_threshold) */
     WHERE sku = p_sku AND location = p_location AND reserved = 0 AND on_hand - safety_stock >= p_quantity;
    SET v_sold = ROW_COUNT();
    IF NOT v_mariadb THEN
        INSERT INTO `stockguard`.`stock_movements` (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note,
            on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after)
        SELECT p_now, p_sku, p_location, 'sale', 0 - p_quantity, 0, NULL, p_reference, NULL,
               on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version
          FROM `stockguard`.`stock_items` WHERE v_sold = 1 AND sku = p_sku AND location = p_location;
        SELECT CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand AS OnHand,
               reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit,
               low_stock_threshold AS LowStockThreshold, version AS Version
          FROM `stockguard`.`stock_items` WHERE v_sold = 1 AND sku = p_sku AND location = p_location;
    END IF;
    /*M!100500 IF v_sold = 1 THEN
        INSERT INTO `stockguard`.`stock_movements` (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note,
            on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after)
        VALUES (p_now, p_sku, p_location, 'sale', 0 - p_quantity, 0, NULL, p_reference, NULL,
            @stockguard_on_hand, @stockguard_reserved, @stockguard_safety_stock, @stockguard_backorder_limit,
            @stockguard_low_stock_threshold, @stockguard_version)
        RETURNING CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand_after AS OnHand,
            reserved_after AS Reserved, safety_stock_after AS SafetyStock, backorder_limit_after AS BackorderLimit,
            low_stock_threshold_after AS LowStockThreshold, version_after AS Version;
    ELSE
        SELECT CONVERT(p_sku USING utf8mb4) AS Sku, CONVERT(p_location USING utf8mb4) AS Location, 0 AS OnHand, 0 AS Reserved,
            0 AS SafetyStock, 0 AS BackorderLimit, 0 AS LowStockThreshold, 0 AS Version FROM DUAL WHERE FALSE;
    END IF; */
    COMMIT;
END$$

CREATE PROCEDURE IF NOT EXISTS `stockguard`.`stock_deduct_one_keyed_v8` (
    p_sku         VARBINARY(512),
    p_location    VARBINARY(256),
    p_quantity    BIGINT,
    p_now         DATETIME(6),
    p_reference   VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    p_key         VARBINARY(512),
    p_fingerprint CHAR(64) CHARACTER SET ascii COLLATE ascii_bin)
    MODIFIES SQL DATA
    SQL SECURITY INVOKER
BEGIN
    DECLARE v_mariadb BOOLEAN DEFAULT FALSE /*M!100500 OR TRUE */;
    DECLARE v_sold, v_claimed BIGINT DEFAULT 0;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    UPDATE `stockguard`.`stock_items`
       SET on_hand = /*M!100500 (@stockguard_on_hand := */ on_hand - p_quantity /*M!100500 ) */,
           version = /*M!100500 (@stockguard_version := */ version + 1 /*M!100500 ) */
           /*M!100500 , reserved = (@stockguard_reserved := reserved), safety_stock = (@stockguard_safety_stock := safety_stock),
           backorder_limit = (@stockguard_backorder_limit := backorder_limit),
           low_stock_threshold = (@stockguard_low_stock_threshold := low_stock_threshold) */
     WHERE sku = p_sku AND location = p_location AND reserved = 0 AND on_hand - safety_stock >= p_quantity;
    SET v_sold = ROW_COUNT();
    IF NOT v_mariadb THEN
        INSERT IGNORE INTO `stockguard`.`stock_idempotency_keys` (idempotency_key, fingerprint, result, created_at)
        SELECT p_key, p_fingerprint,
               CONCAT('{"Ok":true,"Levels":[{"Sku":', JSON_QUOTE(CONVERT(p_sku USING utf8mb4)), ',"Loc":', JSON_QUOTE(CONVERT(p_location USING utf8mb4)),
                   ',"OnHand":', on_hand, ',"Reserved":', reserved, ',"Safety":', safety_stock, ',"Backorder":', backorder_limit,
                   ',"Low":', low_stock_threshold, ',"Version":', version, '}],"Short":[]}'),
               p_now
          FROM `stockguard`.`stock_items` WHERE v_sold = 1 AND sku = p_sku AND location = p_location;
        SET v_claimed = ROW_COUNT();
        INSERT INTO `stockguard`.`stock_movements` (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note,
            on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after)
        SELECT p_now, p_sku, p_location, 'sale', 0 - p_quantity, 0, NULL, p_reference, NULL,
               on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version
          FROM `stockguard`.`stock_items` WHERE v_claimed = 1 AND sku = p_sku AND location = p_location;
        SELECT CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand AS OnHand,
               reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit,
               low_stock_threshold AS LowStockThreshold, version AS Version
          FROM `stockguard`.`stock_items` WHERE v_claimed = 1 AND sku = p_sku AND location = p_location;
    END IF;
    -- CAST: a user variable not yet set when the body is parsed counts as a binary string, which CONCAT would refuse to
    -- mix with a location's non-ASCII text.
    /*M!100500 IF v_sold = 1 THEN
        INSERT IGNORE INTO `stockguard`.`stock_idempotency_keys` (idempotency_key, fingerprint, result, created_at)
        VALUES (p_key, p_fingerprint,
            CONCAT('{"Ok":true,"Levels":[{"Sku":', JSON_QUOTE(CONVERT(p_sku USING utf8mb4)), ',"Loc":', JSON_QUOTE(CONVERT(p_location USING utf8mb4)),
                ',"OnHand":', CAST(@stockguard_on_hand AS SIGNED), ',"Reserved":', CAST(@stockguard_reserved AS SIGNED),
                ',"Safety":', CAST(@stockguard_safety_stock AS SIGNED), ',"Backorder":', CAST(@stockguard_backorder_limit AS SIGNED),
                ',"Low":', CAST(@stockguard_low_stock_threshold AS SIGNED), ',"Version":', CAST(@stockguard_version AS SIGNED), '}],"Short":[]}'),
            p_now);
        SET v_claimed = ROW_COUNT();
    END IF;
    IF v_claimed = 1 THEN
        INSERT INTO `stockguard`.`stock_movements` (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note,
            on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after)
        VALUES (p_now, p_sku, p_location, 'sale', 0 - p_quantity, 0, NULL, p_reference, NULL,
            @stockguard_on_hand, @stockguard_reserved, @stockguard_safety_stock, @stockguard_backorder_limit,
            @stockguard_low_stock_threshold, @stockguard_version)
        RETURNING CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand_after AS OnHand,
            reserved_after AS Reserved, safety_stock_after AS SafetyStock, backorder_limit_after AS BackorderLimit,
            low_stock_threshold_after AS LowStockThreshold, version_after AS Version;
    ELSE
        SELECT CONVERT(p_sku USING utf8mb4) AS Sku, CONVERT(p_location USING utf8mb4) AS Location, 0 AS OnHand, 0 AS Reserved,
            0 AS SafetyStock, 0 AS BackorderLimit, 0 AS LowStockThreshold, 0 AS Version FROM DUAL WHERE FALSE;
    END IF; */
    IF v_claimed = 1 THEN
        COMMIT;
    ELSE
        -- Not sold, or the key was taken: the item's change (if any) is undone, and the store's transaction decides.
        ROLLBACK;
    END IF;
END$$

DELIMITER ;

INSERT IGNORE INTO `stockguard`.`stock_schema_version` (version) VALUES (8);
-- Version 9: the one-line deduct of version 8 that also returns the item's pre-order settings and release flag with its
-- level, and writes them into a keyed sale's stored result as the store's own results do (each only when set; the
-- expected restock in UTC with its fraction trimmed and a +00:00 offset). stock_deduct_one_v9 and
-- stock_deduct_one_keyed_v9 are version 8's procedures otherwise; version 8's stay for stores of older versions.

DELIMITER $$

CREATE PROCEDURE IF NOT EXISTS `stockguard`.`stock_deduct_one_v9` (
    p_sku       VARBINARY(512),
    p_location  VARBINARY(256),
    p_quantity  BIGINT,
    p_now       DATETIME(6),
    p_reference VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin)
    MODIFIES SQL DATA
    SQL SECURITY INVOKER
BEGIN
    DECLARE v_mariadb BOOLEAN DEFAULT FALSE /*M!100500 OR TRUE */;
    DECLARE v_sold BIGINT;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    UPDATE `stockguard`.`stock_items`
       SET on_hand = /*M!100500 (@stockguard_on_hand := */ on_hand - p_quantity /*M!100500 ) */,
           version = /*M!100500 (@stockguard_version := */ version + 1 /*M!100500 ) */
           /*M!100500 , reserved = (@stockguard_reserved := reserved), safety_stock = (@stockguard_safety_stock := safety_stock),
           backorder_limit = (@stockguard_backorder_limit := backorder_limit),
           low_stock_threshold = (@stockguard_low_stock_threshold := low_stock_threshold),
           pre_order_limit = (@stockguard_pre_order_limit := pre_order_limit),
           expected_restock = (@stockguard_expected_restock := expected_restock), released = (@stockguard_released := released) */
     WHERE sku = p_sku AND location = p_location AND reserved = 0 AND on_hand - safety_stock >= p_quantity;
    SET v_sold = ROW_COUNT();
    IF NOT v_mariadb THEN
        INSERT INTO `stockguard`.`stock_movements` (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note,
            on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after)
        SELECT p_now, p_sku, p_location, 'sale', 0 - p_quantity, 0, NULL, p_reference, NULL,
               on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version
          FROM `stockguard`.`stock_items` WHERE v_sold = 1 AND sku = p_sku AND location = p_location;
        SELECT CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand AS OnHand,
               reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit,
               low_stock_threshold AS LowStockThreshold, version AS Version,
               pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released
          FROM `stockguard`.`stock_items` WHERE v_sold = 1 AND sku = p_sku AND location = p_location;
    END IF;
    /*M!100500 IF v_sold = 1 THEN
        INSERT INTO `stockguard`.`stock_movements` (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note,
            on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after)
        VALUES (p_now, p_sku, p_location, 'sale', 0 - p_quantity, 0, NULL, p_reference, NULL,
            @stockguard_on_hand, @stockguard_reserved, @stockguard_safety_stock, @stockguard_backorder_limit,
            @stockguard_low_stock_threshold, @stockguard_version)
        RETURNING CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand_after AS OnHand,
            reserved_after AS Reserved, safety_stock_after AS SafetyStock, backorder_limit_after AS BackorderLimit,
            low_stock_threshold_after AS LowStockThreshold, version_after AS Version,
            CAST(@stockguard_pre_order_limit AS SIGNED) AS PreOrderLimit, CAST(@stockguard_expected_restock AS DATETIME(6)) AS ExpectedRestock,
            CAST(@stockguard_released AS SIGNED) AS Released;
    ELSE
        SELECT CONVERT(p_sku USING utf8mb4) AS Sku, CONVERT(p_location USING utf8mb4) AS Location, 0 AS OnHand, 0 AS Reserved,
            0 AS SafetyStock, 0 AS BackorderLimit, 0 AS LowStockThreshold, 0 AS Version,
            0 AS PreOrderLimit, CAST(NULL AS DATETIME(6)) AS ExpectedRestock, 0 AS Released FROM DUAL WHERE FALSE;
    END IF; */
    COMMIT;
END$$

CREATE PROCEDURE IF NOT EXISTS `stockguard`.`stock_deduct_one_keyed_v9` (
    p_sku         VARBINARY(512),
    p_location    VARBINARY(256),
    p_quantity    BIGINT,
    p_now         DATETIME(6),
    p_reference   VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    p_key         VARBINARY(512),
    p_fingerprint CHAR(64) CHARACTER SET ascii COLLATE ascii_bin)
    MODIFIES SQL DATA
    SQL SECURITY INVOKER
BEGIN
    DECLARE v_mariadb BOOLEAN DEFAULT FALSE /*M!100500 OR TRUE */;
    DECLARE v_sold, v_claimed BIGINT DEFAULT 0;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
    UPDATE `stockguard`.`stock_items`
       SET on_hand = /*M!100500 (@stockguard_on_hand := */ on_hand - p_quantity /*M!100500 ) */,
           version = /*M!100500 (@stockguard_version := */ version + 1 /*M!100500 ) */
           /*M!100500 , reserved = (@stockguard_reserved := reserved), safety_stock = (@stockguard_safety_stock := safety_stock),
           backorder_limit = (@stockguard_backorder_limit := backorder_limit),
           low_stock_threshold = (@stockguard_low_stock_threshold := low_stock_threshold),
           pre_order_limit = (@stockguard_pre_order_limit := pre_order_limit),
           expected_restock = (@stockguard_expected_restock := expected_restock), released = (@stockguard_released := released) */
     WHERE sku = p_sku AND location = p_location AND reserved = 0 AND on_hand - safety_stock >= p_quantity;
    SET v_sold = ROW_COUNT();
    IF NOT v_mariadb THEN
        INSERT IGNORE INTO `stockguard`.`stock_idempotency_keys` (idempotency_key, fingerprint, result, created_at)
        SELECT p_key, p_fingerprint,
               CONCAT('{"Ok":true,"Levels":[{"Sku":', JSON_QUOTE(CONVERT(p_sku USING utf8mb4)), ',"Loc":', JSON_QUOTE(CONVERT(p_location USING utf8mb4)),
                   ',"OnHand":', on_hand, ',"Reserved":', reserved, ',"Safety":', safety_stock, ',"Backorder":', backorder_limit,
                   ',"Low":', low_stock_threshold, ',"Version":', version,
                   IF(pre_order_limit <> 0, CONCAT(',"Pre":', pre_order_limit), ''),
                   IF(expected_restock IS NULL, '', CONCAT(',"Restock":"', DATE_FORMAT(expected_restock, '%Y-%m-%dT%H:%i:%s'),
                       IF(MICROSECOND(expected_restock) = 0, '', CONCAT('.', TRIM(TRAILING '0' FROM LPAD(MICROSECOND(expected_restock), 6, '0')))), '+00:00"')),
                   IF(released <> 0, ',"Released":true', ''), '}],"Short":[]}'),
               p_now
          FROM `stockguard`.`stock_items` WHERE v_sold = 1 AND sku = p_sku AND location = p_location;
        SET v_claimed = ROW_COUNT();
        INSERT INTO `stockguard`.`stock_movements` (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note,
            on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after)
        SELECT p_now, p_sku, p_location, 'sale', 0 - p_quantity, 0, NULL, p_reference, NULL,
               on_hand, reserved, safety_stock, backorder_limit, low_stock_threshold, version
          FROM `stockguard`.`stock_items` WHERE v_claimed = 1 AND sku = p_sku AND location = p_location;
        SELECT CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand AS OnHand,
               reserved AS Reserved, safety_stock AS SafetyStock, backorder_limit AS BackorderLimit,
               low_stock_threshold AS LowStockThreshold, version AS Version,
               pre_order_limit AS PreOrderLimit, expected_restock AS ExpectedRestock, released AS Released
          FROM `stockguard`.`stock_items` WHERE v_claimed = 1 AND sku = p_sku AND location = p_location;
    END IF;
    -- CAST: a user variable not yet set when the body is parsed counts as a binary string, which CONCAT would refuse to
    -- mix with a location's non-ASCII text.
    /*M!100500 IF v_sold = 1 THEN
        INSERT IGNORE INTO `stockguard`.`stock_idempotency_keys` (idempotency_key, fingerprint, result, created_at)
        VALUES (p_key, p_fingerprint,
            CONCAT('{"Ok":true,"Levels":[{"Sku":', JSON_QUOTE(CONVERT(p_sku USING utf8mb4)), ',"Loc":', JSON_QUOTE(CONVERT(p_location USING utf8mb4)),
                ',"OnHand":', CAST(@stockguard_on_hand AS SIGNED), ',"Reserved":', CAST(@stockguard_reserved AS SIGNED),
                ',"Safety":', CAST(@stockguard_safety_stock AS SIGNED), ',"Backorder":', CAST(@stockguard_backorder_limit AS SIGNED),
                ',"Low":', CAST(@stockguard_low_stock_threshold AS SIGNED), ',"Version":', CAST(@stockguard_version AS SIGNED),
                IF(@stockguard_pre_order_limit <> 0, CONCAT(',"Pre":', CAST(@stockguard_pre_order_limit AS SIGNED)), ''),
                IF(@stockguard_expected_restock IS NULL, '', CONCAT(',"Restock":"', DATE_FORMAT(CAST(@stockguard_expected_restock AS DATETIME(6)), '%Y-%m-%dT%H:%i:%s'),
                    IF(MICROSECOND(CAST(@stockguard_expected_restock AS DATETIME(6))) = 0, '',
                       CONCAT('.', TRIM(TRAILING '0' FROM LPAD(MICROSECOND(CAST(@stockguard_expected_restock AS DATETIME(6))), 6, '0')))), '+00:00"')),
                IF(@stockguard_released <> 0, ',"Released":true', ''), '}],"Short":[]}'),
            p_now);
        SET v_claimed = ROW_COUNT();
    END IF;
    IF v_claimed = 1 THEN
        INSERT INTO `stockguard`.`stock_movements` (occurred_at, sku, location, kind, on_hand_delta, reserved_delta, hold_id, reference, note,
            on_hand_after, reserved_after, safety_stock_after, backorder_limit_after, low_stock_threshold_after, version_after)
        VALUES (p_now, p_sku, p_location, 'sale', 0 - p_quantity, 0, NULL, p_reference, NULL,
            @stockguard_on_hand, @stockguard_reserved, @stockguard_safety_stock, @stockguard_backorder_limit,
            @stockguard_low_stock_threshold, @stockguard_version)
        RETURNING CONVERT(sku USING utf8mb4) AS Sku, CONVERT(location USING utf8mb4) AS Location, on_hand_after AS OnHand,
            reserved_after AS Reserved, safety_stock_after AS SafetyStock, backorder_limit_after AS BackorderLimit,
            low_stock_threshold_after AS LowStockThreshold, version_after AS Version,
            CAST(@stockguard_pre_order_limit AS SIGNED) AS PreOrderLimit, CAST(@stockguard_expected_restock AS DATETIME(6)) AS ExpectedRestock,
            CAST(@stockguard_released AS SIGNED) AS Released;
    ELSE
        SELECT CONVERT(p_sku USING utf8mb4) AS Sku, CONVERT(p_location USING utf8mb4) AS Location, 0 AS OnHand, 0 AS Reserved,
            0 AS SafetyStock, 0 AS BackorderLimit, 0 AS LowStockThreshold, 0 AS Version,
            0 AS PreOrderLimit, CAST(NULL AS DATETIME(6)) AS ExpectedRestock, 0 AS Released FROM DUAL WHERE FALSE;
    END IF; */
    IF v_claimed = 1 THEN
        COMMIT;
    ELSE
        -- Not sold, or the key was taken: the item's change (if any) is undone, and the store's transaction decides.
        ROLLBACK;
    END IF;
END$$

DELIMITER ;

INSERT IGNORE INTO `stockguard`.`stock_schema_version` (version) VALUES (9);

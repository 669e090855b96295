-- StockGuard schema, version 9, for SQLite 3.35 or later (UPDATE ... RETURNING); Microsoft.Data.Sqlite's bundled
-- e_sqlite3 qualifies. Safe to run again. A version-1 database is upgraded first by stockguard-sqlite-upgrade-2.sql,
-- and a version-1 to 3 one by stockguard-sqlite-upgrade-4.sql (the store runs each when its columns are missing). EnsureSchemaAsync runs it inside BEGIN IMMEDIATE, which serialises
-- concurrent runs; by hand: sqlite3 stock.db < stockguard-sqlite.sql
-- Times are UTC text 'yyyy-MM-dd HH:mm:ss.ffffff' (fixed width, so text order is time order); hold ids are
-- lower-case text uuids; booleans are 0/1. Text columns use SQLite's default BINARY collation: SKUs compare
-- exactly, case and trailing spaces included. The store turns on foreign keys (Foreign Keys=True) and WAL itself.

CREATE TABLE IF NOT EXISTS "main".stock_schema_version (
    version    INTEGER NOT NULL PRIMARY KEY,
    applied_at TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- One row per SKU and location. Available = on_hand - reserved - safety_stock; a sale needs
-- on_hand - reserved - safety_stock + backorder_limit >= quantity. reserved counts every unreleased hold line.
CREATE TABLE IF NOT EXISTS "main".stock_items (
    sku                 TEXT    NOT NULL,
    location            TEXT    NOT NULL,
    on_hand             INTEGER NOT NULL DEFAULT 0,
    reserved            INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    safety_stock        INTEGER NOT NULL DEFAULT 0 CHECK (safety_stock >= 0),
    backorder_limit     INTEGER NOT NULL DEFAULT 0 CHECK (backorder_limit >= 0),
    low_stock_threshold INTEGER NOT NULL DEFAULT 0 CHECK (low_stock_threshold >= 0),
    version             INTEGER NOT NULL DEFAULT 1,
    pre_order_limit     INTEGER NOT NULL DEFAULT 0 CHECK (pre_order_limit >= 0),
    expected_restock    TEXT    NULL,
    released            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sku, location)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS "main".stock_holds (
    id          TEXT NOT NULL PRIMARY KEY,
    state       TEXT NOT NULL CHECK (state IN ('active', 'confirmed', 'released', 'expired')),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    finished_at TEXT NULL,
    reference   TEXT NULL
);

CREATE INDEX IF NOT EXISTS "main".stock_holds_active_by_expiry ON stock_holds (expires_at) WHERE state = 'active';
CREATE INDEX IF NOT EXISTS "main".stock_holds_finished_by_time ON stock_holds (finished_at) WHERE state <> 'active';

-- released: the line's units no longer count in its item's reserved (sold, given back or expired).
CREATE TABLE IF NOT EXISTS "main".stock_hold_lines (
    hold_id  TEXT    NOT NULL REFERENCES stock_holds (id) ON DELETE CASCADE,
    line_no  INTEGER NOT NULL,
    sku      TEXT    NOT NULL,
    location TEXT    NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    released INTEGER NOT NULL DEFAULT FALSE,
    PRIMARY KEY (hold_id, line_no)
);

CREATE INDEX IF NOT EXISTS "main".stock_hold_lines_open_by_item ON stock_hold_lines (sku, location) WHERE released = FALSE;

-- result is the first result of the keyed request (JSON), written in the same transaction as its change.
CREATE TABLE IF NOT EXISTS "main".stock_idempotency_keys (
    idempotency_key TEXT NOT NULL PRIMARY KEY,
    fingerprint     TEXT NOT NULL,
    result          TEXT NULL,
    created_at      TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS "main".stock_idempotency_keys_by_time ON stock_idempotency_keys (created_at);

-- The movement ledger: one row per line of every change, in the change's transaction. Summing the deltas of an
-- item rebuilds its on_hand and reserved. kind: receipt, return, sale, adjustment, hold_placed, hold_confirmed,
-- hold_released, hold_expired.
CREATE TABLE IF NOT EXISTS "main".stock_movements (
    id             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    occurred_at    TEXT    NOT NULL,
    sku            TEXT    NOT NULL,
    location       TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    on_hand_delta  INTEGER NOT NULL,
    reserved_delta INTEGER NOT NULL,
    hold_id        TEXT    NULL,
    reference      TEXT    NULL,
    note           TEXT    NULL,
    on_hand_after             INTEGER NULL,
    reserved_after            INTEGER NULL,
    safety_stock_after        INTEGER NULL,
    backorder_limit_after     INTEGER NULL,
    low_stock_threshold_after INTEGER NULL,
    version_after             INTEGER NULL
);

CREATE INDEX IF NOT EXISTS "main".stock_movements_by_item ON stock_movements (sku, location, id);

INSERT INTO "main".stock_schema_version (version) VALUES (2) ON CONFLICT (version) DO NOTHING;

-- Version 3: the change consumers. One row per consumer name: its checkpoint (the last feed position it handled) and
-- its lease (the dispatcher that delivers, until lease_expires_at by the store's clock). The checkpoint is written only
-- under the owner's unexpired lease, by the statement that renews it. Parked changes are those a consumer's handler kept
-- failing on; the consumer went on past them.
CREATE TABLE IF NOT EXISTS "main".stock_change_consumers (
    consumer         TEXT    NOT NULL PRIMARY KEY,
    checkpoint_tx    INTEGER NOT NULL DEFAULT 0,
    checkpoint_seq   INTEGER NOT NULL DEFAULT 0,
    lease_owner      TEXT    NULL,
    lease_expires_at TEXT    NULL
);

CREATE TABLE IF NOT EXISTS "main".stock_parked_changes (
    consumer     TEXT    NOT NULL,
    position_tx  INTEGER NOT NULL,
    position_seq INTEGER NOT NULL,
    sku          TEXT    NOT NULL,
    location     TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    attempts     INTEGER NOT NULL,
    error        TEXT    NOT NULL,
    parked_at    TEXT    NOT NULL,
    PRIMARY KEY (consumer, position_tx, position_seq)
);

INSERT INTO "main".stock_schema_version (version) VALUES (3) ON CONFLICT (version) DO NOTHING;

-- Version 4: backorders and pre-orders. The items' columns pre_order_limit, expected_restock and released are in the
-- table above (added to older tables by stockguard-sqlite-upgrade-4.sql, every existing item counted as released). An
-- item may be sold on pre-order (down to -pre_order_limit) until it is first received (released = 1), and on backorder
-- (down to -backorder_limit) after. One row below per order line sold below zero: the units below zero (quantity) wait
-- for receipts, which fill the waiting rows of an item in id order (the arrival sequence) in their own transaction.
-- hold_id: the hold that reserved the units, until it is confirmed (then NULL); a row of a hold that ended without a
-- sale owns no unit and is never filled.
CREATE TABLE IF NOT EXISTS "main".stock_backorders (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    sku             TEXT    NOT NULL,
    location        TEXT    NOT NULL,
    order_reference TEXT    NULL,
    hold_id         TEXT    NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('backorder', 'pre_order')),
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    filled          INTEGER NOT NULL DEFAULT 0 CHECK (filled >= 0 AND filled <= quantity),
    state           TEXT    NOT NULL CHECK (state IN ('waiting', 'filled', 'cancelled')),
    created_at      TEXT    NOT NULL
);

CREATE INDEX IF NOT EXISTS "main".stock_backorders_waiting_by_item ON stock_backorders (sku, location, id) WHERE state = 'waiting';
CREATE INDEX IF NOT EXISTS "main".stock_backorders_by_order ON stock_backorders (order_reference, id);

INSERT INTO "main".stock_schema_version (version) VALUES (4) ON CONFLICT (version) DO NOTHING;

-- Version 5: waitlists. One row per customer and item, in queue order (id). state: waiting, claimed (hold_id names
-- the claim's one-unit hold, whose state tells whether it was bought or lapsed) or left. Rows of an item change only
-- in a write transaction, one at a time, so the queue is ordered by the database's write lock.
CREATE TABLE IF NOT EXISTS "main".stock_waitlist (
    id                 INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    sku                TEXT    NOT NULL,
    location           TEXT    NOT NULL,
    customer_reference TEXT    NOT NULL,
    state              TEXT    NOT NULL CHECK (state IN ('waiting', 'claimed', 'left')),
    joined_at          TEXT    NOT NULL,
    hold_id            TEXT    NULL,
    UNIQUE (sku, location, customer_reference)
);

CREATE INDEX IF NOT EXISTS "main".stock_waitlist_waiting_by_item ON stock_waitlist (sku, location, id) WHERE state = 'waiting';

INSERT INTO "main".stock_schema_version (version) VALUES (5) ON CONFLICT (version) DO NOTHING;

-- Version 6: stored procedures for the one-line deduct on MySQL and MariaDB; nothing changes here.
INSERT INTO "main".stock_schema_version (version) VALUES (6) ON CONFLICT (version) DO NOTHING;


-- Version 7: stored procedures for the one-line hold, confirm and release on MySQL and MariaDB; nothing changes here.
INSERT INTO "main".stock_schema_version (version) VALUES (7) ON CONFLICT (version) DO NOTHING;
-- Version 8: the one-line deduct's stored procedures without a locking read on MySQL and MariaDB; nothing changes here.
INSERT INTO "main".stock_schema_version (version) VALUES (8) ON CONFLICT (version) DO NOTHING;
-- Version 9: the one-line deduct's stored procedures that return the item's pre-order settings on MySQL and MariaDB;
-- nothing changes here.
INSERT INTO "main".stock_schema_version (version) VALUES (9) ON CONFLICT (version) DO NOTHING;

-- StockGuard schema, version 9, for PostgreSQL 13 or later (xid8, pg_current_xact_id).
-- Safe to run again, and from several processes at once (the advisory lock serialises them). Run on a version-1
-- database it upgrades it (the ALTER TABLE ... IF NOT EXISTS sections below); on a version-2 or 3 one it adds the
-- later versions. An index or column is added only when the catalog lacks it (the DO blocks): ALTER TABLE and CREATE
-- INDEX lock their table even when IF NOT EXISTS makes them change nothing, and a store that upgrades beside running
-- stores of the previous version would otherwise take the movements' lock, then wait for the items' behind sales that
-- wait for the movements: a deadlock on every try.
-- EnsureSchemaAsync runs this script with "stockguard" replaced by the configured schema name; to use another
-- schema by hand, replace every "stockguard" below (quoted, as it appears) with your quoted schema name.
-- Run it in one transaction, e.g.: psql -v ON_ERROR_STOP=1 --single-transaction -f stockguard-postgresql.sql

SELECT pg_advisory_xact_lock(hashtext('stockguard-schema'));

CREATE SCHEMA IF NOT EXISTS "stockguard";

CREATE TABLE IF NOT EXISTS "stockguard".stock_schema_version (
    version    integer     NOT NULL PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- One row per SKU and location. Available = on_hand - reserved - safety_stock; a sale needs
-- on_hand - reserved - safety_stock + backorder_limit >= quantity. reserved counts every unreleased hold line.
CREATE TABLE IF NOT EXISTS "stockguard".stock_items (
    sku                 text   COLLATE "C" NOT NULL,
    location            text   COLLATE "C" NOT NULL,
    on_hand             bigint NOT NULL DEFAULT 0,
    reserved            bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    safety_stock        bigint NOT NULL DEFAULT 0 CHECK (safety_stock >= 0),
    backorder_limit     bigint NOT NULL DEFAULT 0 CHECK (backorder_limit >= 0),
    low_stock_threshold bigint NOT NULL DEFAULT 0 CHECK (low_stock_threshold >= 0),
    version             bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (sku, location)
);

CREATE TABLE IF NOT EXISTS "stockguard".stock_holds (
    id          uuid        NOT NULL PRIMARY KEY,
    state       text        NOT NULL CHECK (state IN ('active', 'confirmed', 'released', 'expired')),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    finished_at timestamptz NULL,
    reference   text        NULL
);

DO $$ BEGIN IF to_regclass('"stockguard".stock_holds_active_by_expiry') IS NULL THEN
    CREATE INDEX IF NOT EXISTS stock_holds_active_by_expiry ON "stockguard".stock_holds (expires_at) WHERE state = 'active';
END IF; END $$;
DO $$ BEGIN IF to_regclass('"stockguard".stock_holds_finished_by_time') IS NULL THEN
    CREATE INDEX IF NOT EXISTS stock_holds_finished_by_time ON "stockguard".stock_holds (finished_at) WHERE state <> 'active';
END IF; END $$;

-- released: the line's units no longer count in its item's reserved (sold, given back or expired).
CREATE TABLE IF NOT EXISTS "stockguard".stock_hold_lines (
    hold_id  uuid    NOT NULL REFERENCES "stockguard".stock_holds (id) ON DELETE CASCADE,
    line_no  integer NOT NULL,
    sku      text    COLLATE "C" NOT NULL,
    location text    COLLATE "C" NOT NULL,
    quantity integer NOT NULL CHECK (quantity > 0),
    released boolean NOT NULL DEFAULT false,
    PRIMARY KEY (hold_id, line_no)
);

DO $$ BEGIN IF to_regclass('"stockguard".stock_hold_lines_open_by_item') IS NULL THEN
    CREATE INDEX IF NOT EXISTS stock_hold_lines_open_by_item ON "stockguard".stock_hold_lines (sku, location) WHERE NOT released;
END IF; END $$;

-- result is the first result of the keyed request, written in the same transaction as its change.
CREATE TABLE IF NOT EXISTS "stockguard".stock_idempotency_keys (
    idempotency_key text        COLLATE "C" NOT NULL PRIMARY KEY,
    fingerprint     text        NOT NULL,
    result          jsonb       NULL,
    created_at      timestamptz NOT NULL
);

DO $$ BEGIN IF to_regclass('"stockguard".stock_idempotency_keys_by_time') IS NULL THEN
    CREATE INDEX IF NOT EXISTS stock_idempotency_keys_by_time ON "stockguard".stock_idempotency_keys (created_at);
END IF; END $$;

-- The movement ledger: one row per line of every change, in the change's transaction. Summing the deltas of an
-- item rebuilds its on_hand and reserved. kind: receipt, return, sale, adjustment, hold_placed, hold_confirmed,
-- hold_released, hold_expired. Version 2: tx is the writing transaction's id (its default, so every insert records
-- it), which orders the change feed without gaps: the feed reads only rows whose tx is below the oldest transaction
-- still running, in (tx, id) order. The *_after columns are the item row right after the movement, written by the
-- statement that writes the movement; NULL on rows written by version 1, and tx 0.
CREATE TABLE IF NOT EXISTS "stockguard".stock_movements (
    id                        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at               timestamptz NOT NULL,
    sku                       text        COLLATE "C" NOT NULL,
    location                  text        COLLATE "C" NOT NULL,
    kind                      text        NOT NULL,
    on_hand_delta             bigint      NOT NULL,
    reserved_delta            bigint      NOT NULL,
    hold_id                   uuid        NULL,
    reference                 text        NULL,
    note                      text        NULL,
    tx                        xid8        NOT NULL DEFAULT pg_current_xact_id(),
    on_hand_after             bigint      NULL,
    reserved_after            bigint      NULL,
    safety_stock_after        bigint      NULL,
    backorder_limit_after     bigint      NULL,
    low_stock_threshold_after bigint      NULL,
    version_after             bigint      NULL
);

DO $$ BEGIN IF to_regclass('"stockguard".stock_movements_by_item') IS NULL THEN
    CREATE INDEX IF NOT EXISTS stock_movements_by_item ON "stockguard".stock_movements (sku, location, id);
END IF; END $$;

-- Version 1 to 2. tx is added with the constant 0 (no table rewrite: every existing row committed long ago and reads
-- first), then its default becomes the writing transaction's id.
DO $$ BEGIN
IF (SELECT count(*) FROM pg_attribute WHERE attrelid = '"stockguard".stock_movements'::regclass AND NOT attisdropped AND attname IN
        ('tx', 'on_hand_after', 'reserved_after', 'safety_stock_after', 'backorder_limit_after', 'low_stock_threshold_after', 'version_after')) < 7 THEN
    ALTER TABLE "stockguard".stock_movements
        ADD COLUMN IF NOT EXISTS tx                        xid8   NOT NULL DEFAULT '0',
        ADD COLUMN IF NOT EXISTS on_hand_after             bigint NULL,
        ADD COLUMN IF NOT EXISTS reserved_after            bigint NULL,
        ADD COLUMN IF NOT EXISTS safety_stock_after        bigint NULL,
        ADD COLUMN IF NOT EXISTS backorder_limit_after     bigint NULL,
        ADD COLUMN IF NOT EXISTS low_stock_threshold_after bigint NULL,
        ADD COLUMN IF NOT EXISTS version_after             bigint NULL;
    ALTER TABLE "stockguard".stock_movements ALTER COLUMN tx SET DEFAULT pg_current_xact_id();
END IF;
END $$;

DO $$ BEGIN IF to_regclass('"stockguard".stock_movements_by_transaction') IS NULL THEN
    CREATE INDEX IF NOT EXISTS stock_movements_by_transaction ON "stockguard".stock_movements (tx, id);
END IF; END $$;

INSERT INTO "stockguard".stock_schema_version (version) VALUES (2) ON CONFLICT (version) DO NOTHING;

-- Version 3: the change consumers. One row per consumer name: its checkpoint (the last feed position it handled) and
-- its lease (the dispatcher that delivers, until lease_expires_at by the store's clock). The checkpoint is written only
-- under the owner's unexpired lease, by the statement that renews it. Parked changes are those a consumer's handler kept
-- failing on; the consumer went on past them.
CREATE TABLE IF NOT EXISTS "stockguard".stock_change_consumers (
    consumer         text        COLLATE "C" NOT NULL PRIMARY KEY,
    checkpoint_tx    bigint      NOT NULL DEFAULT 0,
    checkpoint_seq   bigint      NOT NULL DEFAULT 0,
    lease_owner      text        NULL,
    lease_expires_at timestamptz NULL
);

CREATE TABLE IF NOT EXISTS "stockguard".stock_parked_changes (
    consumer     text        COLLATE "C" NOT NULL,
    position_tx  bigint      NOT NULL,
    position_seq bigint      NOT NULL,
    sku          text        COLLATE "C" NOT NULL,
    location     text        COLLATE "C" NOT NULL,
    kind         text        NOT NULL,
    attempts     integer     NOT NULL,
    error        text        NOT NULL,
    parked_at    timestamptz NOT NULL,
    PRIMARY KEY (consumer, position_tx, position_seq)
);

INSERT INTO "stockguard".stock_schema_version (version) VALUES (3) ON CONFLICT (version) DO NOTHING;

-- Version 4: backorders and pre-orders. An item may be sold on pre-order (below zero, down to -pre_order_limit) until it
-- is first received (released = 1), and on backorder (down to -backorder_limit) after; expected_restock is shown to
-- buyers. Items that existed before version 4 count as released (the column is added with the default 1, which then
-- becomes 0 for new items), so that a pre-order limit set later never reopens pre-orders on an item sold before.
DO $$ BEGIN
IF (SELECT count(*) FROM pg_attribute WHERE attrelid = '"stockguard".stock_items'::regclass AND NOT attisdropped AND attname IN
        ('pre_order_limit', 'expected_restock', 'released')) < 3 THEN
    ALTER TABLE "stockguard".stock_items
        ADD COLUMN IF NOT EXISTS pre_order_limit  bigint      NOT NULL DEFAULT 0 CHECK (pre_order_limit >= 0),
        ADD COLUMN IF NOT EXISTS expected_restock timestamptz NULL,
        ADD COLUMN IF NOT EXISTS released         bigint      NOT NULL DEFAULT 1 CHECK (released IN (0, 1));
    ALTER TABLE "stockguard".stock_items ALTER COLUMN released SET DEFAULT 0;
END IF;
END $$;

-- One row per order line sold below zero: the units below zero (quantity) wait for receipts, which fill the waiting
-- rows of an item in id order (the arrival sequence) in their own transaction. A row changes only while its item's row
-- is locked. hold_id: the hold that reserved the units, until it is confirmed (then NULL: a sale's backorder); a row of
-- a hold that ended without a sale owns no unit and is never filled. state: waiting (filled < quantity), filled, cancelled.
CREATE TABLE IF NOT EXISTS "stockguard".stock_backorders (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku             text        COLLATE "C" NOT NULL,
    location        text        COLLATE "C" NOT NULL,
    order_reference text        COLLATE "C" NULL,
    hold_id         uuid        NULL,
    kind            text        NOT NULL CHECK (kind IN ('backorder', 'pre_order')),
    quantity        integer     NOT NULL CHECK (quantity > 0),
    filled          integer     NOT NULL DEFAULT 0 CHECK (filled >= 0 AND filled <= quantity),
    state           text        NOT NULL CHECK (state IN ('waiting', 'filled', 'cancelled')),
    created_at      timestamptz NOT NULL
);

DO $$ BEGIN IF to_regclass('"stockguard".stock_backorders_waiting_by_item') IS NULL THEN
    CREATE INDEX IF NOT EXISTS stock_backorders_waiting_by_item ON "stockguard".stock_backorders (sku, location, id) WHERE state = 'waiting';
END IF; END $$;
DO $$ BEGIN IF to_regclass('"stockguard".stock_backorders_by_order') IS NULL THEN
    CREATE INDEX IF NOT EXISTS stock_backorders_by_order ON "stockguard".stock_backorders (order_reference, id);
END IF; END $$;

INSERT INTO "stockguard".stock_schema_version (version) VALUES (4) ON CONFLICT (version) DO NOTHING;

-- Version 5: waitlists. One row per customer and item, in queue order (id). state: waiting, claimed (hold_id names
-- the claim's one-unit hold, whose state tells whether it was bought or lapsed) or left. Rows of an item change only
-- while its stock_items row is locked, so the queue is ordered by that lock.
CREATE TABLE IF NOT EXISTS "stockguard".stock_waitlist (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku                text        COLLATE "C" NOT NULL,
    location           text        COLLATE "C" NOT NULL,
    customer_reference text        COLLATE "C" NOT NULL,
    state              text        NOT NULL CHECK (state IN ('waiting', 'claimed', 'left')),
    joined_at          timestamptz NOT NULL,
    hold_id            uuid        NULL,
    UNIQUE (sku, location, customer_reference)
);

DO $$ BEGIN IF to_regclass('"stockguard".stock_waitlist_waiting_by_item') IS NULL THEN
    CREATE INDEX IF NOT EXISTS stock_waitlist_waiting_by_item ON "stockguard".stock_waitlist (sku, location, id) WHERE state = 'waiting';
END IF; END $$;

INSERT INTO "stockguard".stock_schema_version (version) VALUES (5) ON CONFLICT (version) DO NOTHING;

-- Version 6: stored procedures for the one-line deduct on MySQL and MariaDB; nothing changes here.
INSERT INTO "stockguard".stock_schema_version (version) VALUES (6) ON CONFLICT (version) DO NOTHING;


-- Version 7: stored procedures for the one-line hold, confirm and release on MySQL and MariaDB; nothing changes here.
INSERT INTO "stockguard".stock_schema_version (version) VALUES (7) ON CONFLICT (version) DO NOTHING;
-- Version 8: the one-line deduct's stored procedures without a locking read on MySQL and MariaDB; nothing changes here.
INSERT INTO "stockguard".stock_schema_version (version) VALUES (8) ON CONFLICT (version) DO NOTHING;
-- Version 9: the one-line deduct's stored procedures that return the item's pre-order settings on MySQL and MariaDB;
-- nothing changes here.
INSERT INTO "stockguard".stock_schema_version (version) VALUES (9) ON CONFLICT (version) DO NOTHING;

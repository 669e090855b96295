-- StockGuard schema, version 1, for PostgreSQL 12 or later.
-- Safe to run again, and from several processes at once (the advisory lock serialises them).
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

CREATE INDEX IF NOT EXISTS stock_holds_active_by_expiry ON "stockguard".stock_holds (expires_at) WHERE state = 'active';
CREATE INDEX IF NOT EXISTS stock_holds_finished_by_time ON "stockguard".stock_holds (finished_at) WHERE state <> 'active';

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

CREATE INDEX IF NOT EXISTS stock_hold_lines_open_by_item ON "stockguard".stock_hold_lines (sku, location) WHERE NOT released;

-- result is the first result of the keyed request, written in the same transaction as its change.
CREATE TABLE IF NOT EXISTS "stockguard".stock_idempotency_keys (
    idempotency_key text        COLLATE "C" NOT NULL PRIMARY KEY,
    fingerprint     text        NOT NULL,
    result          jsonb       NULL,
    created_at      timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS stock_idempotency_keys_by_time ON "stockguard".stock_idempotency_keys (created_at);

-- The movement ledger: one row per line of every change, in the change's transaction. Summing the deltas of an
-- item rebuilds its on_hand and reserved. kind: receipt, return, sale, adjustment, hold_placed, hold_confirmed,
-- hold_released, hold_expired.
CREATE TABLE IF NOT EXISTS "stockguard".stock_movements (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at    timestamptz NOT NULL,
    sku            text        COLLATE "C" NOT NULL,
    location       text        COLLATE "C" NOT NULL,
    kind           text        NOT NULL,
    on_hand_delta  bigint      NOT NULL,
    reserved_delta bigint      NOT NULL,
    hold_id        uuid        NULL,
    reference      text        NULL,
    note           text        NULL
);

CREATE INDEX IF NOT EXISTS stock_movements_by_item ON "stockguard".stock_movements (sku, location, id);

INSERT INTO "stockguard".stock_schema_version (version) VALUES (1) ON CONFLICT (version) DO NOTHING;

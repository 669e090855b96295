-- StockGuard schema upgrade to version 4, for SQLite. Run it once on a database at version 1 to 3 (after
-- stockguard-sqlite-upgrade-2.sql on a version-1 one), then stockguard-sqlite.sql (which records versions 4 and 5). The store
-- runs it by itself, inside the BEGIN IMMEDIATE that runs the schema script, when the item table lacks the version-4
-- columns. It adds the items' pre-order limit, expected restock date and release flag; every existing item counts as
-- released (sold before pre-orders existed).
ALTER TABLE "main".stock_items ADD COLUMN pre_order_limit INTEGER NOT NULL DEFAULT 0 CHECK (pre_order_limit >= 0);
ALTER TABLE "main".stock_items ADD COLUMN expected_restock TEXT NULL;
ALTER TABLE "main".stock_items ADD COLUMN released INTEGER NOT NULL DEFAULT 0;
UPDATE "main".stock_items SET released = 1;

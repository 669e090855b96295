-- StockGuard schema upgrade from version 1 to 2, for SQLite. Run it once on a version-1 database, then
-- stockguard-sqlite.sql (which records version 2). The store runs it by itself, inside the BEGIN IMMEDIATE that
-- runs the schema script, when the movement ledger lacks the version-2 columns. It adds the item's level after each
-- movement (NULL on older rows).
ALTER TABLE "main".stock_movements ADD COLUMN on_hand_after INTEGER NULL;
ALTER TABLE "main".stock_movements ADD COLUMN reserved_after INTEGER NULL;
ALTER TABLE "main".stock_movements ADD COLUMN safety_stock_after INTEGER NULL;
ALTER TABLE "main".stock_movements ADD COLUMN backorder_limit_after INTEGER NULL;
ALTER TABLE "main".stock_movements ADD COLUMN low_stock_threshold_after INTEGER NULL;
ALTER TABLE "main".stock_movements ADD COLUMN version_after INTEGER NULL;

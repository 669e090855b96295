-- StockGuard schema upgrade to version 4, for MySQL 8.0 or MariaDB 10.6 or later. Run it once on a database at version
-- 1 to 3 (after stockguard-mysql-upgrade-2.sql on a version-1 one), then stockguard-mysql.sql (which records versions 4 and 5).
-- The store runs it by itself when the item table lacks the version-4 columns, and its UPDATE again when the columns
-- are there but version 4 is not recorded (each statement commits by itself: a run stopped after the ALTER). It adds the items' pre-order limit,
-- expected restock date and release flag; every existing item counts as released (sold before pre-orders existed).
ALTER TABLE `stockguard`.`stock_items`
    ADD COLUMN pre_order_limit  BIGINT      NOT NULL DEFAULT 0,
    ADD COLUMN expected_restock DATETIME(6) NULL,
    ADD COLUMN released         BIGINT      NOT NULL DEFAULT 0;
UPDATE `stockguard`.`stock_items` SET released = 1;

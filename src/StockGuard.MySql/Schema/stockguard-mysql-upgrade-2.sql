-- StockGuard schema upgrade from version 1 to 2, for MySQL 8.0 or MariaDB 10.6 or later. Run it once on a
-- version-1 database, then stockguard-mysql.sql (which records version 2). The store runs it by itself when the
-- movement ledger lacks the version-2 columns. It adds the item's level after each movement (NULL on older rows).
ALTER TABLE `stockguard`.`stock_movements`
    ADD COLUMN on_hand_after             BIGINT NULL,
    ADD COLUMN reserved_after            BIGINT NULL,
    ADD COLUMN safety_stock_after        BIGINT NULL,
    ADD COLUMN backorder_limit_after     BIGINT NULL,
    ADD COLUMN low_stock_threshold_after BIGINT NULL,
    ADD COLUMN version_after             BIGINT NULL;

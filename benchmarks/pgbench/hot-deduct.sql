-- The load harness's `pgbench` cell: the single conditional decrement a hand-written shop sends per order, on one
-- hot row, run by pgbench itself (C, libpq, prepared statements: the fastest client PostgreSQL has). The harness
-- creates the row and passes its SKU with -D sku=…; see docs/benchmarks.md. One unit per order.
UPDATE stockguard_bench.stock SET on_hand = on_hand - 1 WHERE sku = :sku AND on_hand >= 1 RETURNING on_hand;

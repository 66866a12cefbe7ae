-- dbkit:no-transaction
-- An existing table gets its index concurrently; a new one needs no care.

SET lock_timeout = '5s';

CREATE INDEX CONCURRENTLY "orders_placed_at_idx" ON "public"."orders" ("placed_at");

CREATE TABLE "public"."invoices" ("id" bigint NOT NULL, "order_id" uuid NOT NULL);

CREATE INDEX "invoices_order_id_idx" ON "public"."invoices" ("order_id");

-- dbkit:allow(create-index-non-concurrently) the table is tiny and written once a day
CREATE INDEX "countries_name_idx" ON "public"."countries" ("name");

-- A materialized view the same migration creates is new: nobody waits on it.
CREATE MATERIALIZED VIEW "public"."order_totals" AS SELECT 1 AS total;
CREATE UNIQUE INDEX "order_totals_total" ON "public"."order_totals" ("total");

-- Also when it is created empty (`WITH NO DATA`, which the lint reads past).
CREATE MATERIALIZED VIEW "public"."order_counts" AS
SELECT count(*) AS orders
  FROM orders
WITH NO DATA;
CREATE UNIQUE INDEX "order_counts_orders" ON "public"."order_counts" ("orders");

-- dbkit:no-transaction
-- Runs outside a transaction: CONCURRENTLY is allowed.

CREATE INDEX CONCURRENTLY "orders_placed_at_idx" ON "public"."orders" ("placed_at");

DROP INDEX CONCURRENTLY "public"."orders_old_idx";

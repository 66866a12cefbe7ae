-- No marker on the first line: this migration runs in a transaction.
SET LOCAL lock_timeout = '5s';

CREATE INDEX CONCURRENTLY "orders_placed_at_idx" ON "public"."orders" ("placed_at");

DROP INDEX CONCURRENTLY "public"."orders_old_idx";

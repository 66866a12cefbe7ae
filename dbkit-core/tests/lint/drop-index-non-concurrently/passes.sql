-- dbkit:no-transaction
SET lock_timeout = '5s';

DROP INDEX CONCURRENTLY IF EXISTS "public"."orders_placed_at_idx";

CREATE TABLE "public"."scratch" ("id" integer);
CREATE INDEX "scratch_id_idx" ON "public"."scratch" ("id");
DROP INDEX "public"."scratch_id_idx";

-- dbkit:no-transaction
SET lock_timeout = '5s';
BEGIN;
ALTER TABLE "public"."orders" ADD CONSTRAINT "orders_total_check" CHECK ("total_cents" >= 0) NOT VALID;
ALTER TABLE "public"."orders" VALIDATE CONSTRAINT "orders_total_check";
COMMIT;

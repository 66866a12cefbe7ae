-- dbkit:no-transaction
-- Each statement commits on its own: VALIDATE runs after the lock of
-- ADD CONSTRAINT is gone.
SET lock_timeout = '5s';
ALTER TABLE "public"."orders" ADD CONSTRAINT "orders_total_check" CHECK ("total_cents" >= 0) NOT VALID;
ALTER TABLE "public"."orders" VALIDATE CONSTRAINT "orders_total_check";

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '5min';

ALTER TABLE "public"."orders" ADD CONSTRAINT "orders_total_check" CHECK ("total_cents" >= 0) NOT VALID;

ALTER TABLE "public"."orders" VALIDATE CONSTRAINT "orders_total_check";

ALTER TABLE "public"."orders" ADD CONSTRAINT "orders_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "public"."users" ("id") NOT VALID;

-- Further down, still the same transaction.
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fkey;

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '5min';

ALTER TABLE "public"."orders" ADD CONSTRAINT "orders_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "public"."users" ("id");

ALTER TABLE "public"."orders" ADD CONSTRAINT "orders_total_check" CHECK (total_cents >= 0);

ALTER TABLE "public"."orders" ADD COLUMN "coupon_id" bigint REFERENCES "public"."coupons" ("id");

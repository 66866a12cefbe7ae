SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."orders" ADD CONSTRAINT "orders_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "public"."users" ("id") NOT VALID;

ALTER TABLE "public"."orders" ADD CONSTRAINT "orders_total_check" CHECK (total_cents >= 0) NOT VALID;

ALTER TABLE "public"."orders" VALIDATE CONSTRAINT "orders_old_check";

CREATE TABLE "public"."refunds" ("id" bigint NOT NULL, "order_id" uuid NOT NULL);

ALTER TABLE "public"."refunds" ADD CONSTRAINT "refunds_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "public"."orders" ("id");

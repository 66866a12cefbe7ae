SET LOCAL lock_timeout = '5s';

-- Added NOT VALID by an earlier migration.
ALTER TABLE "public"."orders" VALIDATE CONSTRAINT "orders_total_check";

CREATE TABLE "public"."refunds" ("id" bigint NOT NULL, "amount_cents" integer NOT NULL);
ALTER TABLE "public"."refunds" ADD CONSTRAINT "refunds_amount_check" CHECK ("amount_cents" > 0) NOT VALID;
ALTER TABLE "public"."refunds" VALIDATE CONSTRAINT "refunds_amount_check";

SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."orders" ADD COLUMN "gift_note" text;

COMMENT ON COLUMN "public"."orders"."gift_note" IS 'Printed on the packing slip.';

ALTER TABLE "public"."orders" ALTER COLUMN "total_with_tax" DROP EXPRESSION;

ALTER TABLE "public"."orders" ALTER "id" DROP IDENTITY IF EXISTS;

ALTER TABLE "public"."invoices" ALTER COLUMN "id" SET GENERATED ALWAYS;

-- dbkit:allow(renaming-table)
ALTER TABLE "public"."orders" SET SCHEMA "sales";

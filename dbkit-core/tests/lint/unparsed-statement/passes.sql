SET LOCAL lock_timeout = '5s';

-- dbkit:allow(unparsed-statement) changing the compression rewrites nothing
ALTER TABLE "public"."orders" ALTER COLUMN "notes" SET COMPRESSION lz4;

DO $dbkit$
BEGIN
    EXECUTE 'DROP SEQUENCE IF EXISTS "public"."old_seq"';
END
$dbkit$;

-- Forms dbkit writes that sqlparser cannot read are read by the lint.
-- dbkit:allow(renaming-table)
ALTER TABLE "public"."orders" SET SCHEMA "sales";

ALTER TABLE "sales"."orders" ALTER COLUMN "total_with_tax" DROP EXPRESSION;

ALTER TABLE "sales"."orders" ALTER COLUMN "id" DROP IDENTITY;

ALTER TABLE "sales"."invoices" ALTER COLUMN "id" SET GENERATED ALWAYS;

-- A function's comment, as generate writes it.
COMMENT ON FUNCTION "public"."order_total"(bigint, boolean) IS 'The total of an order.';

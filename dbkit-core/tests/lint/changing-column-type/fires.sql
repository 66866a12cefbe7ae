SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '5min';

ALTER TABLE "public"."orders"
    ALTER COLUMN "total_cents" TYPE bigint USING "total_cents"::bigint,
    ALTER COLUMN "note" TYPE text USING upper("note");

ALTER TABLE "public"."users" ALTER COLUMN "avatar" TYPE text;

ALTER TABLE "public"."users" ALTER COLUMN "login_count" TYPE text USING "login_count"::text;

ALTER TABLE "public"."users" ALTER COLUMN "phone" TYPE character varying(10);

ALTER TABLE "public"."users" ALTER COLUMN "email" TYPE text USING "email"::text::character varying(400);

ALTER TABLE "public"."users" ALTER COLUMN "signed_up_at" TYPE timestamp with time zone;

ALTER TABLE "public"."users" ALTER COLUMN "role" TYPE text USING "role"::text;

ALTER TABLE "public"."products" ALTER COLUMN "price" TYPE numeric(12,3);

ALTER TABLE "public"."products" ALTER COLUMN "tags" TYPE text[];

ALTER TABLE "public"."invoices" ALTER COLUMN "number" TYPE character varying(40);

-- A column renamed above keeps its type: text now, and text to
-- varchar(5) checks every value.
ALTER TABLE "public"."orders" RENAME COLUMN "note" TO "remark";
ALTER TABLE "public"."orders" ALTER COLUMN "remark" TYPE character varying(5);

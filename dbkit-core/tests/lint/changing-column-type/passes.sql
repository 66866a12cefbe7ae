SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."users" ALTER COLUMN "phone" TYPE text USING "phone"::text;

ALTER TABLE "public"."users" ALTER COLUMN "email" TYPE character varying;

ALTER TABLE "public"."products" ALTER COLUMN "weight" TYPE numeric;

ALTER TABLE "public"."products" ALTER COLUMN "price" TYPE numeric(14, 2);

ALTER TABLE "public"."products" ALTER COLUMN "tags" TYPE character varying[];

ALTER TABLE users ALTER COLUMN avatar TYPE bytea;

-- The values are UTC times: read as such, they need no rewrite.
SET LOCAL TimeZone = 'UTC';
ALTER TABLE "public"."users" ALTER COLUMN "signed_up_at" TYPE timestamp with time zone;
ALTER TABLE "public"."orders" ALTER COLUMN "placed_at" TYPE timestamptz(6);
RESET TimeZone;

-- dbkit:allow(changing-column-type) the table holds a few hundred rows
ALTER TABLE "public"."orders" ALTER COLUMN "total_cents" TYPE bigint;

-- The type the file gave a column is its type from then on.
ALTER TABLE "public"."users" ADD COLUMN "nickname" character varying(20);
ALTER TABLE "public"."users" ALTER COLUMN "nickname" TYPE character varying(30);
ALTER TABLE "public"."users" ALTER COLUMN "nickname" TYPE text;

CREATE TABLE "public"."notes" ("id" bigint, "body" character varying(100));

ALTER TABLE "public"."notes" ALTER COLUMN "id" TYPE integer;

SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."users" ALTER COLUMN "phone" TYPE text USING "phone"::text;

ALTER TABLE "public"."users" ALTER COLUMN "email" TYPE character varying;

ALTER TABLE "public"."products" ALTER COLUMN "weight" TYPE numeric;

-- dbkit:allow(changing-column-type) varchar(20) to varchar(40) needs no rewrite
ALTER TABLE "public"."users" ALTER COLUMN "phone" TYPE character varying(40);

CREATE TABLE "public"."notes" ("id" bigint, "body" character varying(100));

ALTER TABLE "public"."notes" ALTER COLUMN "id" TYPE integer;

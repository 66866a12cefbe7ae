SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."users" ALTER COLUMN "phone" TYPE character varying(40);

ALTER TABLE "public"."orders"
    ALTER COLUMN "total_cents" TYPE bigint USING "total_cents"::bigint,
    ALTER COLUMN "note" TYPE text USING upper("note");

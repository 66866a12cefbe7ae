SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '5min';

ALTER TABLE "public"."users" ADD COLUMN "api_key" uuid DEFAULT gen_random_uuid() NOT NULL;

ALTER TABLE "public"."users" ADD COLUMN "bucket" integer DEFAULT (random() * 100)::integer;

ALTER TABLE "public"."users" ADD COLUMN "seq" bigserial;

ALTER TABLE "public"."orders" ADD COLUMN "line_count" integer GENERATED ALWAYS AS (1) STORED;

-- A function the lint does not know is volatile unless declared otherwise.
ALTER TABLE "public"."orders" ADD COLUMN "ticket" text DEFAULT "public"."next_ticket"();

ALTER TABLE "public"."orders" ADD COLUMN "code" text DEFAULT upper(make_code(8));

CREATE FUNCTION "public"."shard_of"() RETURNS integer LANGUAGE sql AS $$ SELECT 7 $$;

ALTER TABLE "public"."orders" ADD COLUMN "shard" integer DEFAULT "public"."shard_of"();

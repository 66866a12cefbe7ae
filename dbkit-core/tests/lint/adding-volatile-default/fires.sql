SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."users" ADD COLUMN "api_key" uuid DEFAULT gen_random_uuid() NOT NULL;

ALTER TABLE "public"."users" ADD COLUMN "bucket" integer DEFAULT (random() * 100)::integer;

ALTER TABLE "public"."users" ADD COLUMN "seq" bigserial;

ALTER TABLE "public"."orders" ADD COLUMN "line_count" integer GENERATED ALWAYS AS (1) STORED;

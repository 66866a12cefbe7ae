SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."users" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;

ALTER TABLE "public"."users" ADD COLUMN "seen_at" timestamp with time zone DEFAULT CURRENT_TIMESTAMP;

ALTER TABLE "public"."users" ADD COLUMN "api_key" uuid;

ALTER TABLE "public"."users" ALTER COLUMN "api_key" SET DEFAULT gen_random_uuid();

CREATE TABLE "public"."events" ("id" bigint NOT NULL);

ALTER TABLE "public"."events" ADD COLUMN "token" uuid DEFAULT gen_random_uuid() NOT NULL;

ALTER TABLE "public"."users" ADD COLUMN "day" date DEFAULT date_trunc('day', pg_catalog.now())::date;

ALTER TABLE "public"."users" ADD COLUMN "locale" text DEFAULT coalesce(current_setting('app.locale', true), lower('EN'));

ALTER TABLE "public"."users" ADD COLUMN "settings" jsonb DEFAULT jsonb_build_object('theme', 'light') NOT NULL;

CREATE FUNCTION "public"."default_region"() RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'eu' $$;

ALTER TABLE "public"."users" ADD COLUMN "region" text DEFAULT "public"."default_region"();

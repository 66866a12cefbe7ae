SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."users" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;

ALTER TABLE "public"."users" ADD COLUMN "seen_at" timestamp with time zone DEFAULT CURRENT_TIMESTAMP;

ALTER TABLE "public"."users" ADD COLUMN "api_key" uuid;

ALTER TABLE "public"."users" ALTER COLUMN "api_key" SET DEFAULT gen_random_uuid();

CREATE TABLE "public"."events" ("id" bigint NOT NULL);

ALTER TABLE "public"."events" ADD COLUMN "token" uuid DEFAULT gen_random_uuid() NOT NULL;

SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."users" ADD COLUMN "locale" text DEFAULT 'en' NOT NULL;

ALTER TABLE "public"."users" ADD COLUMN "nickname" text;

CREATE TABLE "public"."sessions" ("id" uuid NOT NULL);

ALTER TABLE "public"."sessions" ADD COLUMN "user_id" bigint NOT NULL;

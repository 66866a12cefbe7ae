SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."users" ADD COLUMN "locale" text NOT NULL;

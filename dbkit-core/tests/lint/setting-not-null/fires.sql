SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '5min';

ALTER TABLE "public"."users" ALTER COLUMN "display_name" SET NOT NULL;

SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."users" DROP COLUMN "legacy_id";

SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."users" DROP CONSTRAINT "users_legacy_check";

CREATE TABLE "public"."imports" ("id" bigint, "raw" text);

ALTER TABLE "public"."imports" DROP COLUMN "raw";

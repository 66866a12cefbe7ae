SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."users" ADD CONSTRAINT "users_display_name_not_null" CHECK ("display_name" IS NOT NULL) NOT VALID;

ALTER TABLE "public"."users" ALTER COLUMN "note" DROP NOT NULL;

CREATE TABLE "public"."drafts" ("id" bigint, "body" text);

ALTER TABLE "public"."drafts" ALTER COLUMN "id" SET NOT NULL;

-- dbkit:allow(setting-not-null) users_display_name_not_null was validated in V7
ALTER TABLE "public"."users" ALTER COLUMN "display_name" SET NOT NULL;

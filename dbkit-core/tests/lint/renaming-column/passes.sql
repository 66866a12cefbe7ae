SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."users" RENAME CONSTRAINT "users_name_check" TO "users_display_name_check";

-- dbkit:allow(renaming-column) the app is stopped during this migration
ALTER TABLE "public"."users" RENAME COLUMN "name" TO "display_name";

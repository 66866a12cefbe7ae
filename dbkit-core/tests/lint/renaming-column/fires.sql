SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."users" RENAME COLUMN "name" TO "display_name";

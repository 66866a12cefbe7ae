-- Locks that block neither reads nor writes of the table.
LOCK TABLE "public"."users" IN ROW EXCLUSIVE MODE;
LOCK TABLE "public"."orders" IN SHARE UPDATE EXCLUSIVE MODE;
DROP FUNCTION IF EXISTS "public"."touch"();
VACUUM "public"."events";
ALTER INDEX "public"."users_email_idx" RENAME TO "users_email_lower_idx";
CREATE TABLE "public"."tags" ("name" text NOT NULL);
CREATE TRIGGER "tags_touch" BEFORE UPDATE ON "public"."tags" FOR EACH ROW EXECUTE FUNCTION "public"."touch"();
DROP TRIGGER "tags_touch" ON "public"."tags";

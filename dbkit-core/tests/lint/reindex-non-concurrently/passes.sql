-- dbkit:no-transaction
SET lock_timeout = '5s';
REINDEX INDEX CONCURRENTLY "public"."users_email_idx";
REINDEX (CONCURRENTLY) TABLE "public"."users";
CREATE TABLE "public"."tags" ("name" text NOT NULL);
CREATE INDEX "tags_name_idx" ON "public"."tags" ("name");
REINDEX INDEX "tags_name_idx";

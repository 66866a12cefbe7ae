CREATE TABLE "public"."tags" ("name" text NOT NULL);
CREATE INDEX "tags_name_idx" ON "public"."tags" ("name");
ALTER INDEX "public"."tags_name_idx" RENAME TO "tags_by_name_idx";
ALTER INDEX "tags_by_name_idx" RENAME TO "tags_lookup_idx";

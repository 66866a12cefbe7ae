CREATE TABLE "public"."draft" ("id" bigint);

ALTER TABLE "public"."draft" RENAME TO "drafts";

ALTER TABLE "public"."drafts" ADD COLUMN "body" text NOT NULL;

-- A table created in the file moves with no finding, and stays new.
ALTER TABLE "public"."drafts" SET SCHEMA "archive";

ALTER TABLE "archive"."drafts" SET SCHEMA "public";

ALTER TABLE "public"."drafts" ADD COLUMN "title" text NOT NULL;

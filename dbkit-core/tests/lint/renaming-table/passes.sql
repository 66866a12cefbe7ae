CREATE TABLE "public"."draft" ("id" bigint);

ALTER TABLE "public"."draft" RENAME TO "drafts";

ALTER TABLE "public"."drafts" ADD COLUMN "body" text NOT NULL;

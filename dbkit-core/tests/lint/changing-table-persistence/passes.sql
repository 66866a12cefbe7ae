CREATE UNLOGGED TABLE "public"."import_batch" ("id" bigint NOT NULL);
ALTER TABLE "public"."import_batch" SET LOGGED;

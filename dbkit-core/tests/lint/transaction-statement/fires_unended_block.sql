-- dbkit:no-transaction
BEGIN;
CREATE TABLE "public"."audit_log" ("id" bigint NOT NULL);

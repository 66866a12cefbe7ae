-- dbkit:no-transaction
BEGIN;
CREATE TABLE "public"."audit_log" ("id" bigint NOT NULL);
BEGIN;
CREATE INDEX "audit_log_id_idx" ON "public"."audit_log" ("id");
COMMIT;
COMMIT;

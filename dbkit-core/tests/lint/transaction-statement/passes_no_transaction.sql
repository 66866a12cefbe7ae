-- dbkit:no-transaction
-- Outside a transaction the migration may control its own.
BEGIN;
CREATE TABLE "public"."audit_log" ("id" bigint NOT NULL);
COMMIT;

-- No marker on the first line: dbkit runs this migration in a transaction.
BEGIN;
CREATE TABLE "public"."audit_log" ("id" bigint NOT NULL);
COMMIT;

-- A second transaction of its own, started and rolled back.
START TRANSACTION;
/* the rollback below is not to a savepoint */ ROLLBACK;

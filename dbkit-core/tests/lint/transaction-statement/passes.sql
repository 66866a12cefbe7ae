-- Savepoints work inside dbkit's transaction.
SAVEPOINT "before_backfill";
CREATE TABLE "public"."audit_log" ("id" bigint NOT NULL);
ROLLBACK TO SAVEPOINT "before_backfill";
RELEASE SAVEPOINT "before_backfill";
DO $$ BEGIN PERFORM 1; END $$;

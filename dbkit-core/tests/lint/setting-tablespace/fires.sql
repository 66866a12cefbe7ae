SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '1min';

ALTER TABLE "public"."events" SET TABLESPACE "archive";

ALTER INDEX "public"."events_created_at_idx" SET TABLESPACE "archive";

CREATE TABLE "public"."archived_events" ("id" bigint NOT NULL);
ALTER TABLE "public"."archived_events" SET TABLESPACE "archive";
CREATE INDEX "archived_events_id_idx" ON "public"."archived_events" ("id");
ALTER INDEX "public"."archived_events_id_idx" SET TABLESPACE "archive";

-- dbkit:allow(dropping-column, require-lock-timeout) unused since V9, and the table is small
-- (another comment line may stand between)
ALTER TABLE "public"."users" DROP COLUMN "legacy_id";

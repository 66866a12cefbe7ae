-- Moving a busy table to another schema takes ACCESS EXCLUSIVE for a moment.

-- dbkit:allow(renaming-table)
ALTER TABLE "public"."orders" SET SCHEMA "sales";

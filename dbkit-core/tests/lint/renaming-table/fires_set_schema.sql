SET LOCAL lock_timeout = '5s';

-- Moving a table breaks the code that names it by its old schema.
ALTER TABLE "public"."invoices" SET SCHEMA "billing";

-- dbkit writes a rename and a move as two statements: the move names the
-- table the code knew.
ALTER TABLE "public"."customers" RENAME TO "clients";

ALTER TABLE "public"."clients" SET SCHEMA "crm";

-- Unquoted names fold to lowercase.
ALTER TABLE IF EXISTS Public.Payments SET SCHEMA Billing;

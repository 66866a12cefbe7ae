-- A generated column becomes a plain one (PostgreSQL 13+): no rewrite, but
-- ACCESS EXCLUSIVE for a moment.

ALTER TABLE "public"."orders" ALTER COLUMN "total_with_tax" DROP EXPRESSION;

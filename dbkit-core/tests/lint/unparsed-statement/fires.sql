SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '5min';

ALTER TABLE "public"."orders" ALTER COLUMN "notes" SET COMPRESSION lz4;

-- The statement after an unparsable one is still checked.
ALTER TABLE "public"."users" ALTER COLUMN "email" SET NOT NULL;

-- A form the lint reads itself, misspelt, is still reported.
ALTER TABLE "public"."users" ALTER COLUMN "email" DROP EXPRESSIONS;

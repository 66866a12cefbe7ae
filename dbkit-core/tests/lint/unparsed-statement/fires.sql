SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."orders" SET SCHEMA "sales";

-- The statement after an unparsable one is still checked.
ALTER TABLE "public"."users" ALTER COLUMN "email" SET NOT NULL;

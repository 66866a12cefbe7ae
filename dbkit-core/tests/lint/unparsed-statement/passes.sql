SET LOCAL lock_timeout = '5s';

-- dbkit:allow(unparsed-statement) moving a table takes only a brief lock
ALTER TABLE "public"."orders" SET SCHEMA "sales";

DO $dbkit$
BEGIN
    EXECUTE 'DROP SEQUENCE IF EXISTS "public"."old_seq"';
END
$dbkit$;

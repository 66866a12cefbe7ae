SET LOCAL lock_timeout = '5s';

-- dbkit:allow(setting-not-null) the table holds a few hundred rows
ALTER TABLE "public"."users" ALTER COLUMN "email" SET NOT NULL;

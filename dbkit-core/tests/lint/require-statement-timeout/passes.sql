SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';

-- dbkit:allow(setting-not-null) the table holds a few hundred rows
ALTER TABLE "public"."users" ALTER COLUMN "email" SET NOT NULL;

-- Quick statements need no statement timeout.
ALTER TABLE "public"."users" ADD COLUMN "nickname" text;
ALTER TABLE "public"."users" ADD CONSTRAINT "users_nickname_check" CHECK (length("nickname") < 40) NOT VALID;

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '5min';

ALTER TABLE "public"."users" ADD CONSTRAINT "users_email_key" UNIQUE ("email");

ALTER TABLE "public"."audit_log" ADD CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id");

ALTER TABLE "public"."users" ADD COLUMN "handle" text UNIQUE;

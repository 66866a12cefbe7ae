SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."users" ADD CONSTRAINT "users_email_key" UNIQUE USING INDEX "users_email_key";

ALTER TABLE "public"."audit_log" ADD CONSTRAINT "audit_log_pkey" PRIMARY KEY USING INDEX "audit_log_pkey";

CREATE TABLE "public"."tags" ("id" bigint NOT NULL, "name" text NOT NULL);

ALTER TABLE "public"."tags" ADD CONSTRAINT "tags_name_key" UNIQUE ("name");

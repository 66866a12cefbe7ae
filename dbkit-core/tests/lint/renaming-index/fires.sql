ALTER INDEX "public"."users_email_idx" RENAME TO "users_email_lower_idx";

ALTER INDEX IF EXISTS users_name_idx RENAME TO users_full_name_idx;

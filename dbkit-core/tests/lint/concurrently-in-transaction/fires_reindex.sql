REINDEX INDEX CONCURRENTLY "public"."users_email_idx";

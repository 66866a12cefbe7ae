SET LOCAL statement_timeout = '10min';
-- dbkit:allow(reindex-non-concurrently) the index is small
REINDEX INDEX "public"."users_email_idx";

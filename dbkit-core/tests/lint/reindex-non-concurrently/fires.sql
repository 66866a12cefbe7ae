SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '1min';

REINDEX INDEX "public"."users_email_idx";

REINDEX (VERBOSE) TABLE users;

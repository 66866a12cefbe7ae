SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
RESET statement_timeout;
CLUSTER "public"."events" USING "events_created_at_idx";

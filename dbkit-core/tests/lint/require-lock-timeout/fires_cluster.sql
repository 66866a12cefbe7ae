SET LOCAL statement_timeout = '10min';
CLUSTER "public"."events" USING "events_created_at_idx";

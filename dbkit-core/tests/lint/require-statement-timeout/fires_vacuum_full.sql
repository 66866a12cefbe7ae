-- dbkit:no-transaction
SET lock_timeout = '5s';
SET statement_timeout = 0;
VACUUM (FULL, ANALYZE) "public"."events";

-- dbkit:no-transaction
SET statement_timeout = '10min';
VACUUM FULL "public"."events";

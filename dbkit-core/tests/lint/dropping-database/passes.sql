-- A table whose name says database is no database.
DROP TABLE IF EXISTS "public"."database_dumps";

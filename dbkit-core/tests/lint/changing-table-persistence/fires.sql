SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '1min';

ALTER TABLE "public"."page_views" SET UNLOGGED;

ALTER TABLE "public"."imported_rows" SET LOGGED;

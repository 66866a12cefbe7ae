SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."customers" RENAME TO "clients";

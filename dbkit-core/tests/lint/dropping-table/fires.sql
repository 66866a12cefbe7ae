-- WARNING: drops table "public"."carts" and its rows.

SET LOCAL lock_timeout = '5s';

DROP TABLE "public"."carts";

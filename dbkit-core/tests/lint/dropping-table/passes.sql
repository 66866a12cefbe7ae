SET LOCAL lock_timeout = '5s';

CREATE TABLE "public"."staging" ("id" bigint);

DROP TABLE "public"."staging";

-- dbkit:allow(dropping-table) unused since V12, backed up
DROP TABLE "public"."carts";

SET LOCAL lock_timeout = '5s';

-- dbkit:allow(droping-column)
ALTER TABLE "public"."users" DROP COLUMN "legacy_id";

-- dbkit:allow dropping-column
ALTER TABLE "public"."users" DROP COLUMN "legacy_name";

-- dbkit:allow(dropping-table)

DROP TABLE "public"."carts";

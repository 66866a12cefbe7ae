ALTER TYPE "public"."order_status" ADD VALUE 'refunded' AFTER 'delivered';

ALTER TYPE "public"."order_status" ADD VALUE IF NOT EXISTS 'on_hold' BEFORE 'paid';

CREATE TYPE "public"."mood" AS ENUM ('sad', 'ok');

ALTER TYPE "public"."mood" ADD VALUE 'happy';

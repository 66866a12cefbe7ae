SET LOCAL lock_timeout = '5s';

ALTER TABLE "public"."orders" ADD COLUMN "gift_note" text;

COMMENT ON COLUMN "public"."orders"."gift_note" IS 'Printed on the packing slip.';

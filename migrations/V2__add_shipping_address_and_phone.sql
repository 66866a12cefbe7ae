ALTER TABLE "public"."orders" ADD COLUMN "shipping_address_id" bigint;

ALTER TABLE "public"."users" ADD COLUMN "phone" character varying(20);

CREATE INDEX "orders_shipping_address_id_idx" ON "public"."orders" ("shipping_address_id");

ALTER TABLE "public"."orders" ADD CONSTRAINT "orders_shipping_address_id_fkey" FOREIGN KEY ("shipping_address_id") REFERENCES "public"."addresses" ("id") ON DELETE SET NULL;

COMMENT ON COLUMN "public"."orders"."shipping_address_id" IS 'Where the order goes; kept when the address is deleted later.';

COMMENT ON COLUMN "public"."users"."phone" IS 'For the courier; E.164 format.';

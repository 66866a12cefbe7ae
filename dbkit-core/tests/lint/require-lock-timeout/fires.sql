-- Adds a column to a busy table.

ALTER TABLE "public"."orders" ADD COLUMN "gift_note" text;

ALTER TABLE "public"."orders" ADD COLUMN "gift_wrap" boolean;

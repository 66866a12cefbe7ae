-- The identity goes, its sequence with it: ACCESS EXCLUSIVE for a moment.

ALTER TABLE "public"."orders" ALTER COLUMN "id" DROP IDENTITY;

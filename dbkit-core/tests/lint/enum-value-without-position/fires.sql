ALTER TYPE "public"."order_status" ADD VALUE 'refunded';

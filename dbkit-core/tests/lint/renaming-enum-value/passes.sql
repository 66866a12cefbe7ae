CREATE TYPE "public"."ticket_status" AS ENUM ('open', 'closed');
ALTER TYPE "public"."ticket_status" RENAME VALUE 'closed' TO 'resolved';

-- dbkit:allow(enum-value-without-position)
ALTER TYPE "public"."order_status" ADD VALUE 'returned';

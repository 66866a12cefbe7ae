-- An index on a table that earlier migrations created.

CREATE INDEX "orders_placed_at_idx" ON "public"."orders" ("placed_at");

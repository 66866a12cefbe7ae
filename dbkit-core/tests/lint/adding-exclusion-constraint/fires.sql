SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '1min';

ALTER TABLE "public"."bookings" ADD CONSTRAINT "bookings_no_overlap" EXCLUDE USING gist ("room_id" WITH =, "during" WITH &&);

ALTER TABLE rooms ADD EXCLUDE USING gist (name WITH =);

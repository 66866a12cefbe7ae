CREATE TABLE "public"."reservations" ("room_id" bigint NOT NULL, "during" tstzrange NOT NULL);

ALTER TABLE "public"."reservations" ADD CONSTRAINT "reservations_no_overlap" EXCLUDE USING gist ("room_id" WITH =, "during" WITH &&);

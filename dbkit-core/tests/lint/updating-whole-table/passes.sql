UPDATE "public"."users" SET "locale" = 'en' WHERE "id" >= 1 AND "id" < 10001 AND "locale" IS NULL;

UPDATE "public"."users" SET "role" = 'admin' WHERE "email" = 'ops@example.com';

UPDATE "public"."users" SET "locale" = 'en'
WHERE "id" IN (SELECT "id" FROM "public"."users" WHERE "locale" IS NULL LIMIT 1000);

CREATE TABLE "public"."settings" ("key" text NOT NULL, "value" text);
INSERT INTO "public"."settings" VALUES ('theme', NULL);
UPDATE "public"."settings" SET "value" = 'light';

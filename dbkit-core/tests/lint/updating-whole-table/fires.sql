SET LOCAL statement_timeout = '1min';

UPDATE "public"."users" SET "locale" = 'en';

UPDATE "public"."users" SET "locale" = 'en' WHERE "locale" IS NULL;

UPDATE users SET newsletter = false WHERE true AND NOT (newsletter IS NOT NULL);

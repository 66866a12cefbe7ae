-- dbkit:no-transaction
-- A concurrent build holds no lock that blocks the table's users: a
-- statement timeout would only abort it.
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY "users_nickname_idx" ON "public"."users" ("nickname");

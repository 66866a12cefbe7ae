-- Exactly 63 bytes is fine; so is a long string.
CREATE TABLE "public"."customer_loyalty_programme_membership_tier_history_entries_vers" (
    "id" bigint NOT NULL
);

COMMENT ON TABLE "public"."customer_loyalty_programme_membership_tier_history_entries_vers" IS 'A comment may be much longer than sixty-three bytes without any problem at all.';

CREATE TABLE "public"."customer_loyalty_programme_membership_tier_history_entries_version_2" (
    "id" bigint NOT NULL,
    "the_identifier_of_the_loyalty_programme_membership_tier_it_refers_to" bigint
);

COMMENT ON TABLE "public"."customer_loyalty_programme_membership_tier_history_entries_version_2" IS 'Reported once per name.';

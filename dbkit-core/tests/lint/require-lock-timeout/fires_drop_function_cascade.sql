DROP FUNCTION "public"."touch"() CASCADE;

LOCK "public"."users";

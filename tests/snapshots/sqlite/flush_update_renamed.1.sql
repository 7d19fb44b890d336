SELECT t0."member_id", t0."member_name", t0."public", t0."club_ref" FROM "members" AS t0 WHERE t0."member_id" = ?1
-- params: [2]

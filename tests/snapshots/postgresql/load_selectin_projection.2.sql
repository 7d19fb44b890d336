SELECT t0."member_id", t0."member_name", t0."public", t0."club_ref" FROM "members" AS t0 WHERE t0."club_ref" IN ($1, $2) ORDER BY t0."club_ref" NULLS FIRST, t0."member_id"
-- params: [1, 2]

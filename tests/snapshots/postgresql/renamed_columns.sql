SELECT t0."member_id", t0."member_name", t0."public", t0."club_ref" FROM "members" AS t0 WHERE t0."member_name" <> $1 AND t0."club_ref" = $2 ORDER BY t0."member_name" DESC, t0."member_id"
-- params: ['x', 1]

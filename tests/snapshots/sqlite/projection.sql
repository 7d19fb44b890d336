SELECT t0."member_id", t0."member_name", t0."public", t0."club_ref" FROM "members" AS t0 WHERE t0."member_name" LIKE ?1 ESCAPE '\' AND t0."public" = ?2 ORDER BY t0."member_name", t0."member_id"
-- params: ['a%', 1]

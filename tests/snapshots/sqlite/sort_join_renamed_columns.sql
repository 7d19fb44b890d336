SELECT t0."member_id", t0."member_name", t0."public", t0."club_ref", t1."club_name" FROM "members" AS t0 LEFT OUTER JOIN "clubs" AS t1 ON t1."club_no" = t0."club_ref" ORDER BY t1."club_name", t0."member_id"
-- params: []

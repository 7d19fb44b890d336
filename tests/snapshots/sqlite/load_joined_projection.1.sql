SELECT t0."club_no", t0."club_name", t1."member_id", t1."member_name", t1."public", t1."club_ref", t2."member_id", t2."member_name", t2."public", t2."club_ref" FROM "clubs" AS t0 LEFT OUTER JOIN "members" AS t1 ON t1."club_ref" = t0."club_no" LEFT OUTER JOIN "members" AS t2 ON t2."club_ref" = t0."club_no" AND t2."public" = ?1 ORDER BY t0."club_no", t1."member_id", t2."member_id"
-- params: [1]

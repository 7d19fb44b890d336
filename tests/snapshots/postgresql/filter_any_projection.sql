SELECT t0."club_no", t0."club_name" FROM "clubs" AS t0 WHERE EXISTS (SELECT 1 FROM "members" AS t1 WHERE t1."club_ref" = t0."club_no" AND t1."public" = $1 AND t1."member_name" = $2) ORDER BY t0."club_no"
-- params: [1, 'ada']

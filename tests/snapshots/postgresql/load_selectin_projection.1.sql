SELECT t0."club_no", t0."club_name" FROM "clubs" AS t0 ORDER BY t0."club_no"
-- params: []

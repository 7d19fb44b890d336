SELECT t0."club_no", t0."club_name" FROM "clubs" AS t0 WHERE t0."club_no" = $1
-- params: [1]

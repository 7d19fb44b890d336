SELECT t0."id", t0."car_id", t0."size" FROM "wheels" AS t0 WHERE t0."car_id" = ?1 ORDER BY t0."id" LIMIT ?2
-- params: [3, 100000]

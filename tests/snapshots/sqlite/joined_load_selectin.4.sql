SELECT t0."id", t0."car_id", t0."size" FROM "wheels" AS t0 WHERE t0."car_id" IN (?1, ?2) ORDER BY t0."car_id", t0."id"
-- params: [2, 3]

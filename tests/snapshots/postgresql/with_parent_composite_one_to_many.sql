SELECT t0."id", t0."name", t0."r_country", t0."r_code" FROM "cities" AS t0 WHERE t0."r_country" = $1 AND t0."r_code" = $2 ORDER BY t0."id"
-- params: ['FR', 1]

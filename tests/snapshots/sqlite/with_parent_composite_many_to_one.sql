SELECT t0."country", t0."code", t0."name" FROM "regions" AS t0 WHERE t0."country" = ?1 AND t0."code" = ?2 ORDER BY t0."country", t0."code"
-- params: ['FR', 2]

SELECT t0."country", t0."code", t0."name" FROM "regions" AS t0 WHERE EXISTS (SELECT 1 FROM "cities" AS t1 WHERE t1."r_country" = t0."country" AND t1."r_code" = t0."code" AND t1."name" = ?1) ORDER BY t0."country", t0."code"
-- params: ['Vigo']

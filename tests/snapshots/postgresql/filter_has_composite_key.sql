SELECT t0."id", t0."name", t0."r_country", t0."r_code" FROM "cities" AS t0 WHERE EXISTS (SELECT 1 FROM "regions" AS t1 WHERE t1."country" = t0."r_country" AND t1."code" = t0."r_code" AND t1."name" = $1) ORDER BY t0."id"
-- params: ['Normandy']

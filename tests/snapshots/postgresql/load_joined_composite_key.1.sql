SELECT t0."id", t0."name", t0."r_country", t0."r_code", t1."country", t1."code", t1."name" FROM "cities" AS t0 LEFT OUTER JOIN "regions" AS t1 ON t1."country" = t0."r_country" AND t1."code" = t0."r_code" ORDER BY t0."id"
-- params: []

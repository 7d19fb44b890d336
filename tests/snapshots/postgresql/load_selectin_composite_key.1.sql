SELECT t0."country", t0."code", t0."name" FROM "regions" AS t0 ORDER BY t0."country", t0."code"
-- params: []

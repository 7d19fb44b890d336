SELECT t0."id", t0."name", t0."mother_id" FROM "cats" AS t0 WHERE t0."name" > (SELECT (SELECT t2."name" FROM "cats" AS t2 WHERE t2."id" = t1."mother_id") FROM "cats" AS t1 WHERE t1."id" = t0."mother_id") ORDER BY t0."id"
-- params: []

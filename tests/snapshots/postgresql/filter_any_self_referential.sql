SELECT t0."id", t0."name", t0."mother_id" FROM "cats" AS t0 WHERE EXISTS (SELECT 1 FROM "cats" AS t1 WHERE t1."mother_id" = t0."id" AND EXISTS (SELECT 1 FROM "cats" AS t2 WHERE t2."mother_id" = t1."id" AND t2."name" = $1)) ORDER BY t0."id"
-- params: ['Wee']

SELECT t0."id", t0."name", t0."mother_id" FROM "cats" AS t0 WHERE EXISTS (SELECT 1 FROM "cats" AS t1 WHERE t1."id" = t0."mother_id" AND t1."name" = $1) ORDER BY t0."id"
-- params: ['Ma']

SELECT t0."id", t0."name", t0."mother_id" FROM "cats" AS t0 WHERE t0."mother_id" = $1 ORDER BY t0."name", t0."id"
-- params: [1]

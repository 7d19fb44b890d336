SELECT t0."id", t0."name", t0."mother_id" FROM "cats" AS t0 ORDER BY t0."id"
-- params: []

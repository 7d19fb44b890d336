SELECT t0."id", t0."name", t0."mother_id" FROM "cats" AS t0 WHERE t0."id" IN ($1, $2, $3, $4) ORDER BY t0."id"
-- params: [1, 2, 4, 4]

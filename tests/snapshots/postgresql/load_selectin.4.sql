SELECT t0."id", t0."name" FROM "publishers" AS t0 WHERE t0."id" IN ($1, $2) ORDER BY t0."id"
-- params: [1, 2]

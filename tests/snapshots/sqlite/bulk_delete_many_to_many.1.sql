SELECT t0."id", t0."name" FROM "tags" AS t0 WHERE t0."id" >= ?1 ORDER BY t0."id"
-- params: [2]

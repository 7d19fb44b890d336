SELECT t0."id", t0."name", t0."mother_id" FROM "cats" AS t0 WHERE t0."mother_id" IN (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ORDER BY t0."mother_id", t0."name", t0."id"
-- params: [1, 2, 3, 4, 5, 6, 7, 7]

SELECT t0."id", t0."name" FROM "tags" AS t0 WHERE t0."name" IN (?1, ?2, ?3, ?4) ORDER BY t0."id"
-- params: ['fiction', 'poetry', 'unknown', 'unknown']

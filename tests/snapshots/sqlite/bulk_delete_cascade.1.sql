SELECT t0."id", t0."name", t0."publisher_id", t0."password", t0."notes" FROM "authors" AS t0 WHERE t0."id" IN (?1, ?2) ORDER BY t0."id"
-- params: [1, 2]

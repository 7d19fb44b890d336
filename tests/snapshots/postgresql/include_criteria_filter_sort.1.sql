SELECT t0."id", t0."name", t0."publisher_id", t0."password", t0."notes" FROM "authors" AS t0 ORDER BY t0."id"
-- params: []

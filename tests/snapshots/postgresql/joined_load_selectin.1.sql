SELECT t0."id", t0."name" FROM "garages" AS t0 ORDER BY t0."id"
-- params: []

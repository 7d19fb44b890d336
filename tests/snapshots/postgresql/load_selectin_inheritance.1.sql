SELECT t0."id", t0."name" FROM "companies" AS t0 ORDER BY t0."id"
-- params: []

SELECT t0."id", t0."name", t0."publisher_id", t0."password", t0."notes" FROM "authors" AS t0 WHERE NOT (EXISTS (SELECT 1 FROM "books" AS t1 WHERE t1."author_id" = t0."id" AND NOT (t1."rating" >= $1))) ORDER BY t0."id"
-- params: [3]

SELECT t0."id", t0."name", t0."publisher_id", t0."password", t0."notes" FROM "authors" AS t0 WHERE EXISTS (SELECT 1 FROM "books" AS t1 WHERE t1."author_id" = t0."id" AND t1."title" < (SELECT t2."name" FROM "authors" AS t2 WHERE t2."id" = t1."author_id")) ORDER BY t0."id"
-- params: []

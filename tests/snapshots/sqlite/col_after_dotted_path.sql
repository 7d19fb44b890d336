SELECT t0."id", t0."name" FROM "publishers" AS t0 WHERE EXISTS (SELECT 1 FROM "authors" AS t1 WHERE t1."publisher_id" = t0."id" AND EXISTS (SELECT 1 FROM "books" AS t2 WHERE t2."author_id" = t1."id" AND t2."rating" <= (SELECT (SELECT t4."id" FROM "publishers" AS t4 WHERE t4."id" = t3."publisher_id") FROM "authors" AS t3 WHERE t3."id" = t2."author_id"))) ORDER BY t0."id"
-- params: []

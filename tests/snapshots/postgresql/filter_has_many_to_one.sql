SELECT t0."id", t0."title", t0."author_id", t0."rating", t0."version" FROM "books" AS t0 WHERE EXISTS (SELECT 1 FROM "authors" AS t1 WHERE t1."id" = t0."author_id" AND t1."name" = $1) ORDER BY t0."id"
-- params: ['Ann']

SELECT t0."id", t0."title", t0."author_id", t0."rating", t0."version" FROM "books" AS t0 WHERE t0."title" <> (SELECT (SELECT t2."name" FROM "publishers" AS t2 WHERE t2."id" = t1."publisher_id") FROM "authors" AS t1 WHERE t1."id" = t0."author_id") ORDER BY t0."id"
-- params: []

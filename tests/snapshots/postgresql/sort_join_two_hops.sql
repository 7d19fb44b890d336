SELECT t0."id", t0."title", t0."author_id", t0."rating", t0."version", t2."name" FROM "books" AS t0 LEFT OUTER JOIN "authors" AS t1 ON t1."id" = t0."author_id" LEFT OUTER JOIN "publishers" AS t2 ON t2."id" = t1."publisher_id" WHERE t0."rating" > $1 ORDER BY t2."name" NULLS FIRST, t0."id"
-- params: [1]

SELECT t0."id", t0."title", t0."author_id", t0."rating", t0."version", t1."name" FROM "books" AS t0 LEFT OUTER JOIN "authors" AS t1 ON t1."id" = t0."author_id" WHERE t1."name" IS NOT NULL OR (t1."name" IS NULL AND t0."id" > $1) ORDER BY t1."name" NULLS FIRST, t0."id" LIMIT $2
-- params: [4, 2]

SELECT t0."id", t0."title", t0."author_id", t0."rating", t0."version" FROM "books" AS t0 WHERE t0."author_id" IN ($1, $2, $3, $4) ORDER BY t0."author_id" NULLS FIRST, t0."title", t0."id"
-- params: [1, 2, 3, 4]

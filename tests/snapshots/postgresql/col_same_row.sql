SELECT t0."id", t0."title", t0."author_id", t0."rating", t0."version" FROM "books" AS t0 WHERE t0."rating" > t0."id" ORDER BY t0."id"
-- params: []

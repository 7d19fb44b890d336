SELECT t0."id", t0."title", t0."author_id", t0."rating", t0."version" FROM "books" AS t0 WHERE t0."rating" >= $1 AND t0."rating" < $2 AND t0."title" LIKE $3 ESCAPE '\' AND t0."id" IN ($4, $5) ORDER BY t0."id"
-- params: [3, 5, 'A%', 1, 2]

SELECT t0."id", t0."title", t0."author_id", t0."rating", t0."version" FROM "books" AS t0 WHERE t0."rating" > $1 OR (t0."rating" = $2 AND (t0."title" < $3 OR t0."title" IS NULL)) OR (t0."title" = $4 AND t0."rating" = $5 AND (t0."id" < $6 OR t0."id" IS NULL)) ORDER BY t0."rating" NULLS FIRST, t0."title" DESC, t0."id" DESC
-- params: [3, 3, 'Mid', 'Mid', 3, 3]

SELECT t0."id", t0."name" FROM "tags" AS t0 WHERE EXISTS (SELECT 1 FROM "book_tags" AS t1 WHERE t1."book_id" = $1 AND t0."id" = t1."tag_id") ORDER BY t0."id"
-- params: [1]

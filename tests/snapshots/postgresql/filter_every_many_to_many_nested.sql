SELECT t0."id", t0."name" FROM "tags" AS t0 WHERE NOT (EXISTS (SELECT 1 FROM "book_tags" AS t2 JOIN "books" AS t1 ON t1."id" = t2."book_id" WHERE t2."tag_id" = t0."id" AND NOT (EXISTS (SELECT 1 FROM "authors" AS t3 WHERE t3."id" = t1."author_id" AND t3."name" = $1)))) ORDER BY t0."id"
-- params: ['Ann']

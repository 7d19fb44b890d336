SELECT t0."id", t0."title", t0."author_id", t0."rating", t0."version", t1."id", t1."name", t1."publisher_id", t1."password", t1."notes", t2."id", t2."name" FROM "books" AS t0 LEFT OUTER JOIN "authors" AS t1 ON t1."id" = t0."author_id" LEFT OUTER JOIN "book_tags" AS t3 ON t3."book_id" = t0."id" LEFT OUTER JOIN "tags" AS t2 ON t2."id" = t3."tag_id" ORDER BY t0."id", t2."name", t2."id"
-- params: []

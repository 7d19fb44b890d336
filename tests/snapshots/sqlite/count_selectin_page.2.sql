SELECT t0."id", t0."title", t0."author_id", t0."rating", t0."version", (SELECT count(*) FROM "book_tags" AS t2 JOIN "tags" AS t1 ON t1."id" = t2."tag_id" WHERE t2."book_id" = t0."id") FROM "books" AS t0 WHERE t0."author_id" IN (?1, ?2) ORDER BY t0."author_id", t0."title", t0."id"
-- params: [2, 3]

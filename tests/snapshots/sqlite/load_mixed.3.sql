SELECT t0."id", t0."title", t0."author_id", t0."rating", t0."version", t1."tag_id" FROM "books" AS t0 JOIN "book_tags" AS t1 ON t0."id" = t1."book_id" WHERE t1."tag_id" IN (?1, ?2, ?3, ?4) ORDER BY t1."tag_id", t0."id"
-- params: [2, 1, 3, 3]

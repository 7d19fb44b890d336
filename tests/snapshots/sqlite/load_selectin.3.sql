SELECT t0."id", t0."name", t1."book_id" FROM "tags" AS t0 JOIN "book_tags" AS t1 ON t0."id" = t1."tag_id" WHERE t1."book_id" IN (?1, ?2, ?3, ?4) ORDER BY t1."book_id", t0."name", t0."id"
-- params: [2, 5, 1, 3]

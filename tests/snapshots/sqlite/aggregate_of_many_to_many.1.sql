SELECT t3."c0", t3."c1", t3."c2" FROM (SELECT t0."name" AS "c0", count(*) AS "c1", count(*) AS "c2" FROM "tags" AS t0 WHERE EXISTS (SELECT 1 FROM "book_tags" AS t2 JOIN "books" AS t1 ON t2."book_id" = t1."id" WHERE t0."id" = t2."tag_id" AND t1."id" = ?1) GROUP BY 1 ORDER BY 1 LIMIT ?2) AS t3 RIGHT OUTER JOIN "books" AS t4 ON 1 = 1 WHERE t4."id" = ?3 ORDER BY t3."c0"
-- params: [1, 6, 1]

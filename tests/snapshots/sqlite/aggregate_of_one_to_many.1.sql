SELECT t2."c0", t2."c1", t2."c2" FROM (SELECT t0."name" AS "c0", count(*) AS "c1", count(*) AS "c2" FROM "authors" AS t0 WHERE EXISTS (SELECT 1 FROM "publishers" AS t1 WHERE t0."publisher_id" = t1."id" AND t1."id" = ?1) GROUP BY 1 ORDER BY 1 LIMIT ?2) AS t2 RIGHT OUTER JOIN "publishers" AS t3 ON 1 = 1 WHERE t3."id" = ?3 ORDER BY t2."c0"
-- params: [1, 6, 1]

SELECT t0."id", t0."shelf_id", t0."width", (t0."width" * t0."width") AS "area", (SELECT count(*) FROM "slots" AS t2 WHERE t2."shelf_id" = t1."id") FROM "slots" AS t0 LEFT OUTER JOIN "shelves" AS t1 ON t1."id" = t0."shelf_id" ORDER BY (SELECT count(*) FROM "slots" AS t3 WHERE t3."shelf_id" = t1."id"), (t0."width" * t0."width") DESC, t0."id"
-- params: []

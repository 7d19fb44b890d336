SELECT t0."id", t0."shelf_id", t0."width", (t0."width" * t0."width") FROM "slots" AS t0 WHERE t0."shelf_id" IN (?1, ?2) ORDER BY t0."shelf_id", t0."id"
-- params: [1, 2]

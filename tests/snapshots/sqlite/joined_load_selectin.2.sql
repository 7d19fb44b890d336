SELECT t0."id", t0."kind", t0."name", t0."garage_id", t0_1."doors", t0_1."top_speed", t0_2."payload", t0_2."doors" FROM "vehicles" AS t0 LEFT OUTER JOIN "cars" AS t0_1 ON t0_1."id" = t0."id" LEFT OUTER JOIN "trucks" AS t0_2 ON t0_2."id" = t0."id" WHERE t0."garage_id" IN (?1, ?2) ORDER BY t0."garage_id", t0."id"
-- params: [1, 2]

SELECT t0."id", t0."kind", t0."name", t0."garage_id", t0_1."doors", t0_1."top_speed", NULL AS "payload", NULL AS "doors" FROM "vehicles" AS t0 JOIN "cars" AS t0_1 ON t0_1."id" = t0."id" WHERE t0."garage_id" IN (?1, ?2) AND t0."kind" IN (?3, ?4) ORDER BY t0."garage_id", t0."id"
-- params: [1, 2, 'car', 'sports']

SELECT t0."id", t0."name" FROM "garages" AS t0 WHERE EXISTS (SELECT 1 FROM "vehicles" AS t1 JOIN "cars" AS t1_1 ON t1_1."id" = t1."id" WHERE t1."garage_id" = t0."id" AND t1."kind" IN ($1, $2) AND t1_1."doors" = $3) ORDER BY t0."id"
-- params: ['car', 'sports', 4]

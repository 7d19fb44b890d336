SELECT t0."id", t0."car_id", t0."size", t1_1."doors", t1."name" FROM "wheels" AS t0 LEFT OUTER JOIN ("vehicles" AS t1 JOIN "cars" AS t1_1 ON t1_1."id" = t1."id") ON t1."id" = t0."car_id" AND t1."kind" IN ($1, $2) ORDER BY t1_1."doors" NULLS FIRST, t1."name" DESC NULLS LAST, t0."id"
-- params: ['car', 'sports']

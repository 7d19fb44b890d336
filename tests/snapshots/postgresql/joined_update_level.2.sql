UPDATE "cars" SET "doors" = $1 WHERE "id" = $2 RETURNING "id", "doors", "top_speed"
-- params: [5, 2]

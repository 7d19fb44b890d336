DELETE FROM "wheels" WHERE "id" = $1
-- params: [3]

DELETE FROM "cars" WHERE "id" IN ($1)
-- params: [3]

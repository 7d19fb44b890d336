DELETE FROM "authors" WHERE "id" IN ($1, $2)
-- params: [1, 2]

DELETE FROM "authors" WHERE "id" = $1
-- params: [1]

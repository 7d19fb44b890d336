DELETE FROM "tags" WHERE "id" = $1
-- params: [2]

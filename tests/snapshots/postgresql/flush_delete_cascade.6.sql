DELETE FROM "books" WHERE "id" = $1 AND "version" = $2
-- params: [1, 1]

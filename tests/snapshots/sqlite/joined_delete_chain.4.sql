DELETE FROM "cars" WHERE "id" = ?1
-- params: [3]

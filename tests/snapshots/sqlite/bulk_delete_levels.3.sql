DELETE FROM "wheels" WHERE "id" IN (?1)
-- params: [3]

DELETE FROM "tags" WHERE "id" IN (?1, ?2, ?3)
-- params: [2, 3, 4]

DELETE FROM "companies" WHERE "id" IN (?1)
-- params: [1]

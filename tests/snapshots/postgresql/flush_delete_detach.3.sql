DELETE FROM "companies" WHERE "id" = $1
-- params: [1]

UPDATE "employees" SET "company_id" = $1 WHERE "company_id" IN ($2)
-- params: [NULL, 1]

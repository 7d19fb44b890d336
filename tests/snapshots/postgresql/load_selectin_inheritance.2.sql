SELECT t0."id", t0."name", t0."type", t0."company_id", t0."manager_data", t0."level" FROM "employees" AS t0 WHERE t0."company_id" IN ($1, $2, $3, $4) ORDER BY t0."company_id" NULLS FIRST, t0."id"
-- params: [1, 2, 3, 3]

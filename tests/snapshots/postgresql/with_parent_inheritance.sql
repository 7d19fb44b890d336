SELECT t0."id", t0."name", t0."type", t0."company_id", t0."manager_data", t0."level" FROM "employees" AS t0 WHERE t0."company_id" = $1 AND t0."level" >= $2 AND t0."type" = $3 ORDER BY t0."id"
-- params: [2, 1, 'engineer']

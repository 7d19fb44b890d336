SELECT t0."id", t0."name", t0."type", t0."company_id", t0."manager_data", t0."level" FROM "employees" AS t0 WHERE EXISTS (SELECT 1 FROM "companies" AS t1 WHERE t1."id" = t0."company_id" AND t1."name" = $1) AND t0."type" = $2 ORDER BY t0."id"
-- params: ['Acme', 'engineer']

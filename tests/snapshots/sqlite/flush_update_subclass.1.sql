SELECT t0."id", t0."name", t0."type", t0."company_id", t0."manager_data", t0."level" FROM "employees" AS t0 WHERE t0."id" = ?1 AND t0."type" = ?2
-- params: [3, 'engineer']

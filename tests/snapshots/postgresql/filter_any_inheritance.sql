SELECT t0."id", t0."name" FROM "companies" AS t0 WHERE EXISTS (SELECT 1 FROM "employees" AS t1 WHERE t1."company_id" = t0."id" AND t1."type" = $1 AND t1."name" = $2) ORDER BY t0."id"
-- params: ['engineer', 'temp']

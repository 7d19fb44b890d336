SELECT t0."id", t0."name", t0."type", t0."company_id", t0."manager_data", t0."level", t1."name" FROM "employees" AS t0 LEFT OUTER JOIN "companies" AS t1 ON t1."id" = t0."company_id" WHERE t0."type" = $1 ORDER BY t0."level" DESC NULLS LAST, t1."name" NULLS FIRST, t0."id"
-- params: ['engineer']

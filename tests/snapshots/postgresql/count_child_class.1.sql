SELECT count(*) FROM "employees" AS t0 WHERE t0."level" > $1 AND t0."type" = $2
-- params: [1, 'engineer']

UPDATE "employees" SET "name" = $1 WHERE "id" = $2 AND "type" = $3 RETURNING "id", "name", "type", "company_id", "manager_data", "level"
-- params: ['wally', 3, 'engineer']

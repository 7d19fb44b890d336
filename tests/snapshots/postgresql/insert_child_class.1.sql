INSERT INTO "employees" ("name", "type", "level") VALUES ($1, $2, $3) RETURNING "id", "name", "type", "company_id", "manager_data", "level"
-- params: ['Neu', 'engineer', 2]

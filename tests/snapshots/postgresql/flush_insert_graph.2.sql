INSERT INTO "authors" ("name", "password") VALUES ($1, $2) RETURNING "id", "name", "publisher_id", "password", "notes"
-- params: ['Eve', '***']

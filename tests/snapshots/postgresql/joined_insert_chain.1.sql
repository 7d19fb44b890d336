INSERT INTO "vehicles" ("kind", "name") VALUES ($1, $2) RETURNING "id", "kind", "name", "garage_id"
-- params: ['sports', 'zoom']

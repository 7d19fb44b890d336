INSERT INTO "authors" ("name") VALUES ($1) RETURNING "id", "name", "publisher_id", "password", "notes"
-- params: ['Eve']

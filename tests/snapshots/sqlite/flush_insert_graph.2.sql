INSERT INTO "authors" ("name", "password") VALUES (?1, ?2)
-- params: ['Eve', '***']

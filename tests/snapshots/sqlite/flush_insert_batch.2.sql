INSERT INTO "authors" ("name") VALUES (?1)
-- params: ['Eve']

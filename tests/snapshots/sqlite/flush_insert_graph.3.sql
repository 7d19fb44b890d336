INSERT INTO "books" ("title", "author_id", "version") VALUES (?1, ?2, ?3)
-- params: ['Omega', 5, 1]

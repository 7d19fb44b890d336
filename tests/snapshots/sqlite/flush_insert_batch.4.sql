INSERT INTO "books" ("title", "author_id", "version") VALUES (?1, ?2, ?3)
-- params: ['B3', 5, 1]

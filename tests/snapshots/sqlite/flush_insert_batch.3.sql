INSERT INTO "books" ("title", "author_id", "version") VALUES (?1, ?2, ?3), (?4, ?5, ?6)
-- params: ['B1', 5, 1, 'B2', 5, 1]

INSERT INTO "books" ("title", "author_id", "version") VALUES ($1, $2, $3) RETURNING "id", "title", "author_id", "rating", "version"
-- params: ['B3', 6, 1]

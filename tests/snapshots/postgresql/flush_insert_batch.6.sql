INSERT INTO "books" ("id", "title", "author_id", "version") VALUES ($1, $2, $3, $4) RETURNING "id", "title", "author_id", "rating", "version"
-- params: [50, 'B5 keyed', 6, 1]

INSERT INTO "books" ("title", "author_id", "rating", "version") VALUES (?1, ?2, ?3, ?4)
-- params: ['B4 rated', 5, 2, 1]

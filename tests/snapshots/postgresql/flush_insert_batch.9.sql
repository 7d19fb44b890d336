INSERT INTO "book_tags" ("book_id", "tag_id") VALUES ($1, $2)
-- params: [9, 1]

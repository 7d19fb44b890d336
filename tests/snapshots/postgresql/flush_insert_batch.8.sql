INSERT INTO "book_tags" ("book_id", "tag_id") VALUES ($1, $2), ($3, $4)
-- params: [7, 1, 8, 1]

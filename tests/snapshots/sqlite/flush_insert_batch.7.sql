INSERT INTO "book_tags" ("book_id", "tag_id") VALUES (?1, ?2), (?3, ?4)
-- params: [6, 1, 7, 1]

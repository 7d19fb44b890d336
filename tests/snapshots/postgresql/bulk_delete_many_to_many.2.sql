DELETE FROM "book_tags" WHERE "tag_id" IN ($1, $2, $3)
-- params: [2, 3, 4]

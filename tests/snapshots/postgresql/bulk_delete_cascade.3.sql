DELETE FROM "book_tags" WHERE "book_id" IN ($1, $2, $3, $4)
-- params: [1, 2, 3, 5]

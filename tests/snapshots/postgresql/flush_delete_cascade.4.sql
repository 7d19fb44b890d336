DELETE FROM "book_tags" WHERE "book_id" = $1
-- params: [5]

DELETE FROM "book_tags" WHERE "tag_id" = $1
-- params: [2]

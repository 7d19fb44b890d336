UPDATE "books" SET "title" = $1, "version" = "version" + $2 WHERE "id" IN ($3, $4, $5, $6)
-- params: ['Zen 2', 1, 1, 3, 4, 5]

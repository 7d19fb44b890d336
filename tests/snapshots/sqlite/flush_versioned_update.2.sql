UPDATE "books" SET "title" = ?1, "version" = "version" + ?2 WHERE "id" = ?3 AND "version" = ?4
-- params: ['Zen 2', 1, 1, 1]

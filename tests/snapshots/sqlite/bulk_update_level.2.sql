UPDATE "cars" SET "doors" = ?1 WHERE "id" IN (?2, ?3)
-- params: [5, 2, 3]

UPDATE "employees" SET "name" = ?1 WHERE "id" = ?2 AND "type" = ?3
-- params: ['wally', 3, 'engineer']

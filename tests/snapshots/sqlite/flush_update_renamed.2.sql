UPDATE "members" SET "member_name" = ?1 WHERE "member_id" = ?2
-- params: ['bryan', 2]

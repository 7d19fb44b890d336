UPDATE "members" SET "member_name" = $1 WHERE "member_id" = $2 RETURNING "member_id", "member_name", "public", "club_ref"
-- params: ['bryan', 2]

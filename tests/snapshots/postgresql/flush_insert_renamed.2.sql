INSERT INTO "members" ("member_name", "public", "club_ref") VALUES ($1, $2, $3) RETURNING "member_id", "member_name", "public", "club_ref"
-- params: ['dora', 1, 1]

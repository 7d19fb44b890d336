INSERT INTO "members" ("member_name", "public", "club_ref") VALUES (?1, ?2, ?3)
-- params: ['dora', 1, 1]

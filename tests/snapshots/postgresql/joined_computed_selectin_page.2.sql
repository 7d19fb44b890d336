SELECT t0."id", t0."robot_id", t0."name" FROM "robot_parts" AS t0 WHERE t0."robot_id" IN ($1, $2, $3, $4) ORDER BY t0."robot_id", t0."id"
-- params: [1, 2, 3, 3]

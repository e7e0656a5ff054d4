-- 评审专家组 The expert panel of a competition, assigned by the lead responsible unit
-- (ZJ-share 三（四）), with the expert's unit kept for 回避 (recusal)
CREATE TABLE competition_experts (
    competition_id BIGINT NOT NULL REFERENCES competitions(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    unit_id BIGINT NOT NULL,
    unit_name TEXT NOT NULL,
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (competition_id, user_id)
);

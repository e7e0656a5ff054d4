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
-- 原则性规定的例外 A competition's default-rule override (SPEC §0, the over-limit shortlist,
-- ZJ-share 三（五）), pending the sign-off of the approver the profile names
CREATE TABLE competition_overrides (
    id BIGSERIAL PRIMARY KEY,
    competition_id BIGINT NOT NULL REFERENCES competitions(id),
    rule TEXT NOT NULL,
    rule_text TEXT NOT NULL,
    reason TEXT NOT NULL,
    approver TEXT NOT NULL,
    state TEXT NOT NULL,
    requested_by_name TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    decided_by_name TEXT,
    decided_at TEXT,
    decision_reason TEXT
);
CREATE INDEX competition_overrides_pending ON competition_overrides (state, approver);
-- 取消项目主体资格的提议 The sweep's proposal to cancel a subject not passed 3 months after the
-- agreed delivery date (ZJ-share 三（七）): once per competition, confirmed or waived by the lead unit
CREATE TABLE competition_cancel_proposals (
    competition_id BIGINT PRIMARY KEY REFERENCES competitions(id),
    due_on TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    state TEXT NOT NULL,
    decided_by_name TEXT,
    decided_at TEXT,
    reason TEXT
);

-- 工程监理 (SPEC I5): the supervision contract filed with the construction contract.
ALTER TABLE contracts ADD COLUMN supervisor TEXT;
ALTER TABLE contracts ADD COLUMN supervision_fee_fen BIGINT;
ALTER TABLE contracts ADD COLUMN supervision_signed_date TEXT;
-- Default-rule overrides (SPEC §0): the reason, and the sign-off of the approver the profile names.
CREATE TABLE overrides (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    rule TEXT NOT NULL,
    rule_text TEXT NOT NULL,
    reason TEXT NOT NULL,
    cite TEXT NOT NULL,
    approver TEXT NOT NULL,
    state TEXT NOT NULL,
    requested_by BIGINT NOT NULL,
    requested_by_name TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    decided_by BIGINT,
    decided_by_name TEXT,
    decided_at TEXT,
    decision_reason TEXT
);
CREATE INDEX overrides_by_project ON overrides (project_id, id);
CREATE INDEX overrides_by_state ON overrides (state, approver)

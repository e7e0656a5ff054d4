-- 资金使用 Fund use of a shared application (ZJ-share 四 监督评估 of 资金使用): the agreed amount
-- of the agreement (fen) and each recorded use, which a supervisor may question
ALTER TABLE competitions ADD COLUMN agreed_fen BIGINT;
CREATE TABLE competition_fund_uses (
    id BIGSERIAL PRIMARY KEY,
    competition_id BIGINT NOT NULL REFERENCES competitions(id),
    unit_id BIGINT NOT NULL,
    unit_name TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    used_on TEXT NOT NULL,
    purpose TEXT NOT NULL,
    evidence_filename TEXT,
    evidence_sha256 TEXT,
    questioned BIGINT NOT NULL DEFAULT 0,
    question_reason TEXT,
    questioned_by_name TEXT,
    recorded_by_name TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX competition_fund_uses_comp ON competition_fund_uses (competition_id)

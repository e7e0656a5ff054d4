-- 单位名录的主体类型 A unit's legal form (政府部门、事业单位 with its class、社会组织、市场主体) set by an
-- administrator, for the 承接主体 rules of purchase-of-service bids (ZJ-share 三（三）, 财政部令第102号
-- 第五、六、八条). NULL: read from the directory kind as before (market → 市场主体, else 政府部门)
ALTER TABLE units ADD COLUMN entity_kind TEXT;
ALTER TABLE units ADD COLUMN institution_class TEXT;
ALTER TABLE units ADD COLUMN fiscal_mass_org BIGINT NOT NULL DEFAULT 0;
-- 里程碑佐证材料 A milestone report's evidence is an uploaded document (kept by content hash), the
-- evidence column keeps its note (ZJ-share 三（六）责任制)
ALTER TABLE obligations ADD COLUMN evidence_filename TEXT;
ALTER TABLE obligations ADD COLUMN evidence_content_type TEXT;
ALTER TABLE obligations ADD COLUMN evidence_size BIGINT;
ALTER TABLE obligations ADD COLUMN evidence_sha256 TEXT;
-- 取消其项目主体资格 A class-3 competition may have up to 3 subjects, each cancelled on its own
-- lapse (ZJ-share 三（七）): the subject's cancellation date on its bid, and the sweep's proposals
-- per competition and subject unit (older proposals: the competition's selected subject)
ALTER TABLE bids ADD COLUMN cancelled_on TEXT;
CREATE TABLE competition_cancel_proposals_new (
    competition_id BIGINT NOT NULL REFERENCES competitions(id),
    unit_id BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    state TEXT NOT NULL,
    decided_by_name TEXT,
    decided_at TEXT,
    reason TEXT,
    PRIMARY KEY (competition_id, unit_id)
);
INSERT INTO competition_cancel_proposals_new (competition_id, unit_id, due_on, proposed_at, state, decided_by_name, decided_at, reason)
    SELECT p.competition_id, COALESCE((SELECT MIN(b.unit_id) FROM bids b WHERE b.competition_id = p.competition_id AND b.shortlisted = 1), 0),
        p.due_on, p.proposed_at, p.state, p.decided_by_name, p.decided_at, p.reason FROM competition_cancel_proposals p;
DROP TABLE competition_cancel_proposals;
ALTER TABLE competition_cancel_proposals_new RENAME TO competition_cancel_proposals

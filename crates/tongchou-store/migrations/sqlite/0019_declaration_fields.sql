-- Typed declaration and approval facts on the project (issue 3, issue 6).
-- 项目代码 from the national investment-project online approval platform and the 涉密 flag
-- (Quzhou 三(二)2: classified projects are exempt from the code).
ALTER TABLE projects ADD COLUMN project_code TEXT;
ALTER TABLE projects ADD COLUMN classified BIGINT NOT NULL DEFAULT 0;
-- 业务需求单位 confirms its needs in the Quzhou joint review (三(二)1).
ALTER TABLE projects ADD COLUMN needs_statement TEXT;
-- Shaoxing 第十一条 urgent mid-year task: the basis, the city leadership's consent and the
-- fund source confirmed by 市财政局 (who, when).
ALTER TABLE projects ADD COLUMN urgent_basis TEXT;
ALTER TABLE projects ADD COLUMN urgent_consent TEXT;
ALTER TABLE projects ADD COLUMN fund_source TEXT;
ALTER TABLE projects ADD COLUMN fund_source_by TEXT;
ALTER TABLE projects ADD COLUMN fund_source_on TEXT;
-- Shaoxing 第三十四条 O&M money stopped for the system (since, why), lifted by the authority.
ALTER TABLE projects ADD COLUMN om_stopped_on TEXT;
ALTER TABLE projects ADD COLUMN om_stop_reason TEXT;
-- Shangcheng 第十章 未按规定擅自建设: findings recorded by the competent authority against a
-- unit, append-only, each with its reference and date (who, when).
CREATE TABLE unapproved_builds (
    id INTEGER PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    system_name TEXT NOT NULL,
    reference TEXT NOT NULL,
    found_on TEXT NOT NULL,
    note TEXT NOT NULL,
    recorded_by BIGINT NOT NULL,
    recorded_by_name TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX unapproved_builds_unit ON unapproved_builds (unit_id, found_on)

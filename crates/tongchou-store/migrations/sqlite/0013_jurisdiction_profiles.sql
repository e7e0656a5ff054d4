-- A jurisdiction's choice of policy profile (SPEC §3), every choice kept: the newest row per
-- jurisdiction is in force, an empty profile_code means "inherit the parent's".
CREATE TABLE jurisdiction_profiles (
    id INTEGER PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    profile_code TEXT NOT NULL,
    note TEXT NOT NULL,
    set_by BIGINT NOT NULL,
    set_by_name TEXT NOT NULL,
    set_at TEXT NOT NULL
);
CREATE INDEX jurisdiction_profiles_jurisdiction ON jurisdiction_profiles (jurisdiction_id, id);
INSERT INTO jurisdiction_profiles (jurisdiction_id, profile_code, note, set_by, set_by_name, set_at)
    SELECT id, profile_code, '迁移：沿用原设置', 0, '统筹平台（系统）', '2026-01-01T00:00:00'
    FROM jurisdictions WHERE profile_code IN ('shangcheng', 'shaoxing', 'quzhou') ORDER BY id;

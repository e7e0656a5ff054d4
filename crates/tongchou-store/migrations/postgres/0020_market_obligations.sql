-- 共享应用的义务 Obligations of a shared-application competition join the obligations table
-- (ZJ-share 三（六）责任制, 三（七）交付验收): a row belongs to a project or to a competition,
-- names its responsible unit and person, and keeps the evidence of fulfilment
ALTER TABLE obligations ALTER COLUMN project_id DROP NOT NULL;
ALTER TABLE obligations ADD COLUMN competition_id BIGINT REFERENCES competitions(id);
ALTER TABLE obligations ADD COLUMN owner_unit_id BIGINT;
ALTER TABLE obligations ADD COLUMN owner_person TEXT;
ALTER TABLE obligations ADD COLUMN evidence TEXT;
ALTER TABLE obligations ADD COLUMN fulfilled_by_name TEXT;
ALTER TABLE obligations ADD CONSTRAINT obligations_competition_code UNIQUE (competition_id, code);
ALTER TABLE obligations ADD CONSTRAINT obligations_one_subject CHECK ((project_id IS NULL) <> (competition_id IS NULL));
-- a responsible unit's open duties (我的待办, 晾晒台)
CREATE INDEX obligations_by_owner_unit ON obligations (owner_unit_id, state, due);
-- 联合体成员 by unit identity (JSON: unit id, name, directory kind) and the 承接主体 declaration of a
-- purchase-of-service bid (ZJ-share 三（三）)
ALTER TABLE bids ADD COLUMN member_refs TEXT;
ALTER TABLE bids ADD COLUMN provider TEXT

ALTER TABLE progress_reports ADD COLUMN milestones TEXT NOT NULL DEFAULT ''

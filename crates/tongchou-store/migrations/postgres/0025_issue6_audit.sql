-- board_history joins the tamper-evident history: each entry chained per subject (indicator or case) by seq, prev_hash and hash
ALTER TABLE board_history ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE board_history ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE board_history ADD COLUMN hash TEXT NOT NULL DEFAULT '';
UPDATE board_history SET seq = (SELECT COUNT(*) FROM board_history b WHERE b.subject = board_history.subject AND b.subject_id = board_history.subject_id AND b.id <= board_history.id);
CREATE UNIQUE INDEX board_history_chain ON board_history (subject, subject_id, seq)
;
-- 基层用户评价 (ZJ-plan 四(四)): one rating per user, application and year
CREATE TABLE app_ratings (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    year BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    unit_id BIGINT NOT NULL,
    stars BIGINT NOT NULL,
    comment TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (project_id, year, user_id)
)

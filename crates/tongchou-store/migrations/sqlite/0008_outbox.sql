ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE notifications ADD COLUMN event TEXT NOT NULL DEFAULT 'notification';
ALTER TABLE notifications ADD COLUMN fanned_out BIGINT NOT NULL DEFAULT 0;
UPDATE notifications SET fanned_out = 1;
CREATE INDEX notifications_fanout ON notifications (fanned_out, id);
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    notification_id BIGINT REFERENCES notifications(id),
    user_id BIGINT REFERENCES users(id),
    jurisdiction_path TEXT NOT NULL,
    channel TEXT NOT NULL,
    event TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT NOT NULL,
    lease_until_ms BIGINT,
    lease_owner TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_ms);
CREATE INDEX deliveries_by_notification ON deliveries (notification_id);
CREATE TABLE digests (
    user_id BIGINT NOT NULL REFERENCES users(id),
    day TEXT NOT NULL,
    delivery_id BIGINT REFERENCES deliveries(id),
    items BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (user_id, day)
)

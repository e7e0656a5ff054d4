-- Open filing duties (code file_…) by due date: what the eligibility check at declaration reads
-- (Shaoxing art.7(六)), without walking every open obligation of the jurisdiction.
CREATE INDEX obligations_open_filings ON obligations (state, (substr(code, 1, 5)), due)

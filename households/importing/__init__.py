"""The review-spreadsheet pipeline: read → find headers → normalise → validate (pure), then stage and commit."""

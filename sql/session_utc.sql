-- session_utc.sql: every session reads and writes times in UTC (after connect: the zone needs ICU,
-- which loads with the database). A cursor is a new session: it runs this too.
set TimeZone = 'UTC';

-- digest_call_range.sql: the first and last call in the database, to say which weeks have data.
select min(started_at) as first_call, max(started_at) as last_call
from requests

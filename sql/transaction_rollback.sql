-- transaction_rollback.sql: rolls db.transaction's block back when it raised.
rollback;

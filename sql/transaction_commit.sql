-- transaction_commit.sql: commits db.transaction's block.
commit;

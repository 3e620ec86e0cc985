-- transaction_begin.sql: starts the transaction that db.transaction commits or rolls back whole.
begin transaction;

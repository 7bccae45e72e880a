"""`tideq report`: the hall manager's day (or days) from the event log, as XLSX, PNG and one HTML
page; and the log's archive, backup and restore. No Qt here: the manager console imports it."""

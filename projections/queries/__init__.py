"""The read side's queries: each listing, dashboard and lookup is one function here, on
the one read path (projections/reader.py). Nothing here imports SQLAlchemy or the ledger's
application: a read command on current read models starts without them."""

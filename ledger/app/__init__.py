"""The ledger's application service, one module of use cases per aggregate family."""

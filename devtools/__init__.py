"""Developer tools: the synthetic ledger generator and the benchmark (not used by the product at run time)."""

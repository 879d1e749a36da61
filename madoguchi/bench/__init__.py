"""Benchmark commands (`madoguchi bench ...`): measured figures printed as JSON, not timed tests."""

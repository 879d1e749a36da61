"""Benchmark commands (`madoguchi bench traveltime|placement|roads`): measured figures printed as JSON, not timed tests."""

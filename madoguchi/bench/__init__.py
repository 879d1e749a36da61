"""Benchmark scripts (`madoguchi bench traveltime|placement`): printed figures, not timed tests."""

"""geo: loading, validating and caching real public data; the road graph and travel-time engine."""

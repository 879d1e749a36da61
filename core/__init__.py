"""The lowest layer: what both geo/ (data in) and models/ (pure decisions) may import.

Nothing here imports geo, models or madoguchi.
"""

"""Rule files: validation, compilation, matching."""

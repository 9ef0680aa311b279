"""Live state in Redis: one module per noun."""

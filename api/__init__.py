"""HTTP and WebSocket edges."""

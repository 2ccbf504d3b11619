"""gwfc backends."""

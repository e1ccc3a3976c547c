"""Thrive TRM integration: import, mapping and export between Thrive and the platform."""

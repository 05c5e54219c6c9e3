"""The ml wing (temporary face while the package is being split)."""

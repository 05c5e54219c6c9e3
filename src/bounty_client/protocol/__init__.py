"""The protocol wing (temporary face while the package is being split)."""

"""jadechain: an enterprise consortium blockchain framework."""

__version__ = "0.1.0"

__all__ = ["__version__"]

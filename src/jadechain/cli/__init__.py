"""The `jadechain` command line."""

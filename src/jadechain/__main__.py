"""`python -m jadechain` is the `jadechain` command."""

from jadechain.cli.main import main

main()

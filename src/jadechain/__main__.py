"""`python -m jadechain` is the `jadechain` command."""

from jadechain.cli.main import main

if __name__ == "__main__":  # not when a worker process prepares its parent's main module
    main()

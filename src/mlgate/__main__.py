"""``python -m mlgate``: the same as the ``mlgate`` command."""

from mlgate.cli.app import main

if __name__ == "__main__":
    main()

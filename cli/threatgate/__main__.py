"""Allow ``python -m threatgate``."""

from threatgate.commands.entry import main

if __name__ == "__main__":
    main()

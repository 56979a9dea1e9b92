"""Allow ``python -m threatgate``."""

from threatgate.commands.main import main

if __name__ == "__main__":
    main()

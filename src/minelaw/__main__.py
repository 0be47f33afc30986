"""`python -m minelaw` runs the command line."""

from .cli import main

main()

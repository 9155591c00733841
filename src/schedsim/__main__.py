"""``python -m schedsim`` runs the command line."""

from .cli import entry

entry()

import sys

from communique.cli.main import entry

sys.exit(entry())

"""Entry point of a traced child: ``python -m schedsim.real.bootstrap PROGRAM ARGS...``."""

import sys

from schedsim.real.child import run

if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2:])

"""Entry point of the bundled CLI (dist/moviola/moviola-cli): what `moviola-cli` runs in a venv."""
import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # any spawned worker is a copy of this executable
    from engine.cli import main

    sys.exit(main())

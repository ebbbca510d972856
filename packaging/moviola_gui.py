"""Entry point of the bundled GUI (dist/moviola/moviola): what `moviola` runs in a venv."""
import multiprocessing
import sys

if __name__ == "__main__":
    # The analysis worker is a spawned copy of this executable: let it become the worker.
    multiprocessing.freeze_support()
    from desktop.app import main

    sys.exit(main())

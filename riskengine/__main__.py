"""``python -m riskengine`` — same as the ``riskengine`` console script."""

from riskengine.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()

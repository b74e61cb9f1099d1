"""``python -m classifier train | evaluate | classify``."""

from classifier.cli import main

raise SystemExit(main())

"""``python -m symfast``: the ``symfast`` command (:func:`symfast.cli.main`)."""

import sys

from symfast.cli import main

sys.exit(main())

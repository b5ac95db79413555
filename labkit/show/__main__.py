"""``python -m labkit.show notebooks/*.ipynb``: keep only the snapshots of labkit widgets in executed
notebooks (see :func:`labkit.show.static.keep_snapshots_only`)."""

import sys

from .static import keep_snapshots_only

for name in sys.argv[1:]:
    print(f"{name}: {keep_snapshots_only(name)} widget view(s) replaced by their snapshot")

import sys

from jalin.cli import main

sys.exit(main())

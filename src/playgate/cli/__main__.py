import sys

from playgate.cli import main

sys.exit(main())

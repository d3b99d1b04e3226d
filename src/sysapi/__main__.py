import sys

from sysapi.cli import main

sys.exit(main())

import gc
import sys

from sysapi.cli import main

status = main()
# The process ends here: its final collection would walk every object the command made, a
# tenth of a short command's run (fincore FILE). Frozen objects are left to the kernel.
gc.freeze()
sys.exit(status)

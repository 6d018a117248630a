import sys

from rgan.cli import main

sys.exit(main())

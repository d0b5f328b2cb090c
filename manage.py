#!/usr/bin/env python
import gc
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from spreadsheets import read_ahead

    read_ahead.for_command(sys.argv)  # an import command's workbook is read while Django loads
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
    # The process ends here. Collect what is garbage now (its finalizers run), then freeze the rest: the
    # interpreter's last collection would otherwise walk every object of every module just before the system frees
    # the memory anyway (0.15 s after an import).
    gc.collect()
    gc.freeze()


if __name__ == "__main__":
    main()

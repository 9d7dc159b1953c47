"""`python -m charlc`: the same as the `charlc` command."""

from charlc.cli import main

raise SystemExit(main())

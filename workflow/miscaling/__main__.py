from miscaling.cli import main

raise SystemExit(main())

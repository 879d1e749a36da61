from madoguchi.cli import main

raise SystemExit(main())

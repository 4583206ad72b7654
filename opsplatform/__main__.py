from opsplatform.cli import main

main()

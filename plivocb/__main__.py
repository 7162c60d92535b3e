from plivocb.cli import main

main()

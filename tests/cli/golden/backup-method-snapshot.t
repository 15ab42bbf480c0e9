# --method snapshot backups are always full: --incremental is refused before any connection
$ virt-state -c test:///default backup create test --method snapshot --incremental; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: backup create: --incremental: a --method snapshot backup is always full (it creates no checkpoint); use --method job for an incremental backup
Try 'virt-state backup create --help' for more information.
--- exit 0

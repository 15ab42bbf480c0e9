# --method snapshot is refused, before any connection, as not implemented
$ virt-state -c test:///default backup create test --method snapshot; echo "exit $?"
--- stdout
exit 1
--- stderr
virt-state: backup create: --method snapshot (backup through a temporary snapshot) is not implemented in this version; use --method job
--- exit 0

# --method takes job or snapshot
$ virt-state -c test:///default backup create test --method copy; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: backup create: invalid value 'copy' for '--method': one of job, snapshot
Try 'virt-state backup create --help' for more information.
--- exit 0

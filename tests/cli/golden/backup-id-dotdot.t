# an id that is no safe name is a usage error, before the store is read
$ virt-state -c test:///default backup show test ..; echo "exit $?"; virt-state -c test:///default backup verify test a/b; echo "exit $?"; virt-state -c test:///default backup restore test .. --to $TMP; echo "exit $?"
--- stdout
exit 2
exit 2
exit 2
--- stderr
virt-state: backup show: '..' is not a valid name: names have no '/' and no control characters, do not start with '.', and have at most 200 bytes
Try 'virt-state backup show --help' for more information.
virt-state: backup verify: 'a/b' is not a valid name: names have no '/' and no control characters, do not start with '.', and have at most 200 bytes
Try 'virt-state backup verify --help' for more information.
virt-state: backup restore: '..' is not a valid name: names have no '/' and no control characters, do not start with '.', and have at most 200 bytes
Try 'virt-state backup restore --help' for more information.
--- exit 0

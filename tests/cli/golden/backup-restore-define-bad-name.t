# --define takes a name that can be a domain's, checked before anything else
$ virt-state -c test:///default backup restore test x --to $TMP --define a/b; echo "exit $?"; virt-state -c test:///default backup restore test x --to $TMP --define .hidden; echo "exit $?"
--- stdout
exit 2
exit 2
--- stderr
virt-state: backup restore: 'a/b' is not a valid name: names have no '/' and no control characters, do not start with '.', and have at most 200 bytes
Try 'virt-state backup restore --help' for more information.
virt-state: backup restore: '.hidden' is not a valid name: names have no '/' and no control characters, do not start with '.', and have at most 200 bytes
Try 'virt-state backup restore --help' for more information.
--- exit 0

# prune's counts are whole numbers from 1
$ virt-state -c test:///default backup prune test --keep-last 0; echo "exit $?"; virt-state -c test:///default backup prune test --keep-daily x; echo "exit $?"; virt-state -c test:///default backup prune test --keep-weekly 100001; echo "exit $?"
--- stdout
exit 2
exit 2
exit 2
--- stderr
virt-state: backup prune: --keep-last must be between 1 and 100000
Try 'virt-state backup prune --help' for more information.
virt-state: backup prune: option '--keep-daily' needs a whole number, not 'x'
Try 'virt-state backup prune --help' for more information.
virt-state: backup prune: --keep-weekly must be between 1 and 100000
Try 'virt-state backup prune --help' for more information.
--- exit 0

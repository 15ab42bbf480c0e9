# prune needs at least one rule: it never removes every backup by default
$ virt-state -c test:///default backup prune test --dry-run; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: backup prune: say what to keep: --keep-last, --keep-daily, --keep-weekly or --keep-monthly
Try 'virt-state backup prune --help' for more information.
--- exit 0

# names starting with pre-revert- are kept for the points revert makes
$ virt-state -c test:///nonexistent restore-point create test pre-revert-20260101-000000; echo "exit $?"; ls $TMP
--- stdout
exit 2
bin
home
--- stderr
virt-state: restore-point create: names starting with 'pre-revert-' are kept for the points revert makes
Try 'virt-state restore-point create --help' for more information.
--- exit 0

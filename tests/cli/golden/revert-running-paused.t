# revert --running and --paused exclude each other
$ virt-state -c test:///nonexistent revert test p1 --running --paused; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: revert: --running and --paused exclude each other
Try 'virt-state revert --help' for more information.
--- exit 0

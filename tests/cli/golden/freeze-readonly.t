# freeze and thaw change state: refused on a read-only connection
$ virt-state -r -c test:///default freeze test; echo "exit $?"; virt-state -r -c test:///default thaw test; echo "exit $?"
--- stdout
exit 2
exit 2
--- stderr
virt-state: freeze: this command changes state and cannot run on a read-only connection (--readonly)
virt-state: thaw: this command changes state and cannot run on a read-only connection (--readonly)
--- exit 0

# a shut-off domain cannot be frozen, and has nothing to thaw
$ printf "save test $TMP/t.img\nfreeze test\nthaw test\n" | virt-state -c test:///default; echo "exit $?"
--- stdout
exit 1
--- stderr
virt-state: save: domain 'test' saved to '@TMP@/t.img' (1.0 KiB)
virt-state: freeze: domain 'test' is shut off; only a running domain's filesystems can be frozen
virt-state: thaw: 'test' was not frozen
--- exit 0

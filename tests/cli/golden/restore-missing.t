# restore of a missing file fails before libvirt is asked
$ virt-state -c test:///nonexistent restore $TMP/none.img
--- stdout
--- stderr
virt-state: restore: cannot read '@TMP@/none.img': No such file or directory
--- exit 1

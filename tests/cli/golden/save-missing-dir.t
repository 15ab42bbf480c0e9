# a FILE in a missing directory is refused before libvirt is asked
$ virt-state -c test:///nonexistent save test $TMP/nodir/x.img
--- stdout
--- stderr
virt-state: save: directory '@TMP@/nodir' of '@TMP@/nodir/x.img': No such file or directory
--- exit 1

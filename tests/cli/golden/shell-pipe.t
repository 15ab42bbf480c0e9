# the shell reads commands from a pipe; exit leaves
$ printf "# a comment\n\nversion\nsave\nexit\nlist\n" | virt-state -c test:///default; echo "exit $?"
--- stdout
virt-state 0.1.0
libvirt library: 9.0.0
libvirt daemon: 9.0.0
hypervisor: TEST 0.0.2
exit 1
--- stderr
virt-state: save: missing argument DOMAIN
Try 'virt-state save --help' for more information.
--- exit 0

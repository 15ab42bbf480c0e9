# shell inside the shell is refused
$ echo shell | virt-state -c test:///default
--- stdout
--- stderr
virt-state: shell: not available inside the shell
--- exit 1

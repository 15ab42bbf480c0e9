# --timeout is 1 to 86400 seconds, a whole number: usage errors, nothing done
$ for t in 0 99999999 abc -5; do virt-state -c test:///default freeze test --timeout $t; echo "exit $?"; done; ls -A $TMP
--- stdout
exit 2
exit 2
exit 2
exit 2
bin
home
--- stderr
virt-state: freeze: --timeout must be 1 to 86400 seconds, not 0
Try 'virt-state freeze --help' for more information.
virt-state: freeze: --timeout must be 1 to 86400 seconds, not 99999999
Try 'virt-state freeze --help' for more information.
virt-state: freeze: option '--timeout' needs a whole number, not 'abc'
Try 'virt-state freeze --help' for more information.
virt-state: freeze: option '--timeout' needs a whole number, not '-5'
Try 'virt-state freeze --help' for more information.
--- exit 0

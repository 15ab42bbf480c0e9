# the hidden guardian is started by freeze; by hand, with bad arguments, it says so
$ virt-state guardian; echo "exit $?"; virt-state guardian not-a-uuid --fd 3; echo "exit $?"; u=6695eb01-f6a4-8304-79aa-97f2502e193f; virt-state guardian $u; echo "exit $?"; virt-state guardian $u --fd 0; echo "exit $?"; virt-state guardian $u --fd 9; echo "exit $?"; virt-state guardian $u --fd 3 3</dev/null; echo "exit $?"; virt-state guardian $u --fd x; echo "exit $?"
--- stdout
exit 2
exit 2
exit 2
exit 2
exit 2
exit 2
exit 2
--- stderr
virt-state: guardian: missing argument UUID
Try 'virt-state guardian --help' for more information.
virt-state: guardian: 'not-a-uuid' is not a domain UUID; the guardian is started by 'virt-state freeze', not by hand
Try 'virt-state guardian --help' for more information.
virt-state: guardian: --fd is required; the guardian is started by 'virt-state freeze', not by hand
Try 'virt-state guardian --help' for more information.
virt-state: guardian: --fd 0 is not an open socket; the guardian is started by 'virt-state freeze', not by hand
Try 'virt-state guardian --help' for more information.
virt-state: guardian: --fd 9 is not an open socket; the guardian is started by 'virt-state freeze', not by hand
Try 'virt-state guardian --help' for more information.
virt-state: guardian: --fd 3 is not an open socket; the guardian is started by 'virt-state freeze', not by hand
Try 'virt-state guardian --help' for more information.
virt-state: guardian: option '--fd' needs a whole number, not 'x'
Try 'virt-state guardian --help' for more information.
--- exit 0

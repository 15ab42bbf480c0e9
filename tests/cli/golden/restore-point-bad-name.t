# bad restore point names are usage errors, before any connection (test:///nonexistent cannot be opened) and creating nothing
$ for a in "create test a/b" "show test ../x" "verify test .hidden" "delete test .." "create test ."; do virt-state -c test:///nonexistent restore-point $a; echo "exit $?"; done; virt-state -c test:///nonexistent restore-point create test "$(printf "a\tb")"; echo "exit $?"; virt-state -c test:///nonexistent restore-point show test "$(printf "x%.0s" {1..201})"; echo "exit $?"; virt-state -c test:///nonexistent revert test "$(printf "a\tb")"; echo "exit $?"; ls $TMP
--- stdout
exit 2
exit 2
exit 2
exit 2
exit 2
exit 2
exit 2
exit 2
bin
home
--- stderr
virt-state: restore-point create: 'a/b' is not a valid name: names have no '/' and no control characters, do not start with '.', and have at most 200 bytes
Try 'virt-state restore-point create --help' for more information.
virt-state: restore-point show: '../x' is not a valid name: names have no '/' and no control characters, do not start with '.', and have at most 200 bytes
Try 'virt-state restore-point show --help' for more information.
virt-state: restore-point verify: '.hidden' is not a valid name: names have no '/' and no control characters, do not start with '.', and have at most 200 bytes
Try 'virt-state restore-point verify --help' for more information.
virt-state: restore-point delete: '..' is not a valid name: names have no '/' and no control characters, do not start with '.', and have at most 200 bytes
Try 'virt-state restore-point delete --help' for more information.
virt-state: restore-point create: '.' is not a valid name: names have no '/' and no control characters, do not start with '.', and have at most 200 bytes
Try 'virt-state restore-point create --help' for more information.
virt-state: restore-point create: 'a	b' is not a valid name: names have no '/' and no control characters, do not start with '.', and have at most 200 bytes
Try 'virt-state restore-point create --help' for more information.
virt-state: restore-point show: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' is not a valid name: names have no '/' and no control characters, do not start with '.', and have at most 200 bytes
Try 'virt-state restore-point show --help' for more information.
virt-state: revert: 'a	b' is not a valid name: names have no '/' and no control characters, do not start with '.', and have at most 200 bytes
Try 'virt-state revert --help' for more information.
--- exit 0

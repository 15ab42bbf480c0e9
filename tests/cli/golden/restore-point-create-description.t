# a restore point description must be one line of at most 1024 characters
$ virt-state -c test:///nonexistent restore-point create test p1 --description "$(printf "a\nb")"; echo "exit $?"; virt-state -c test:///nonexistent restore-point create test p1 --description "$(printf "x%.0s" {1..1025})"; echo "exit $?"; ls $TMP
--- stdout
exit 2
exit 2
bin
home
--- stderr
virt-state: restore-point create: --description must be one line of printable UTF-8 text of at most 1024 bytes
Try 'virt-state restore-point create --help' for more information.
virt-state: restore-point create: --description must be one line of printable UTF-8 text of at most 1024 bytes
Try 'virt-state restore-point create --help' for more information.
--- exit 0

# a description with a control character or invalid UTF-8 is refused before anything happens
$ virt-state -c test:///nonexistent --store /nonexistent restore-point create test p1 --description "$(printf 'bell\aring')"; echo "exit $?"; virt-state -c test:///nonexistent --store /nonexistent restore-point create test p1 --description "$(printf 'bad\xffutf8')"; echo "exit $?"
--- stdout
exit 2
exit 2
--- stderr
virt-state: restore-point create: --description must be one line of printable UTF-8 text of at most 1024 bytes
Try 'virt-state restore-point create --help' for more information.
virt-state: restore-point create: --description must be one line of printable UTF-8 text of at most 1024 bytes
Try 'virt-state restore-point create --help' for more information.
--- exit 0

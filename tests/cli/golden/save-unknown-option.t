# an unknown option names itself
$ virt-state save test x --bogus
--- stdout
--- stderr
virt-state: save: invalid option '--bogus': unknown option
Try 'virt-state save --help' for more information.
--- exit 2

# FILE and --managed do not go together
$ virt-state save test x --managed
--- stdout
--- stderr
virt-state: save: FILE cannot be given with --managed
Try 'virt-state save --help' for more information.
--- exit 2

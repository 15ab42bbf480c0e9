# save without FILE or --managed
$ virt-state save test
--- stdout
--- stderr
virt-state: save: missing argument FILE (or give --managed)
Try 'virt-state save --help' for more information.
--- exit 2

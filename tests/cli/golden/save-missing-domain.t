# save without arguments
$ virt-state save
--- stdout
--- stderr
virt-state: save: missing argument DOMAIN
Try 'virt-state save --help' for more information.
--- exit 2

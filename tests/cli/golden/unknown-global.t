# an unknown global option is a usage error
$ virt-state --frob list
--- stdout
--- stderr
virt-state: unknown global option '--frob'
Try 'virt-state --help' for more information.
--- exit 2

# an unknown domain
$ virt-state -c test:///default save nosuch $TMP/x.img
--- stdout
--- stderr
virt-state: save: domain 'nosuch' not found
--- exit 1

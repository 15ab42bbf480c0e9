# an ambiguous prefix lists the candidates
$ virt-state re
--- stdout
--- stderr
virt-state: ambiguous command 're', could be: restore, recover
--- exit 2

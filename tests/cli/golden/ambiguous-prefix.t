# an ambiguous prefix lists the candidates
$ virt-state re
--- stdout
--- stderr
virt-state: ambiguous command 're', could be: restore, restore-point, revert, recover
--- exit 2

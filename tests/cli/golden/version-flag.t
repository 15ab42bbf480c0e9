# --version prints the program version only
$ virt-state --version
--- stdout
virt-state 0.1.0
--- stderr
--- exit 0

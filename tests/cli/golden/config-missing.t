# a --config file that does not exist
$ virt-state --config $TMP/none.conf -c test:///default list
--- stdout
--- stderr
virt-state: cannot read configuration file '@TMP@/none.conf': No such file or directory
--- exit 1

# --disk completes the disk targets of the domain given before it
$ virt-state complete -- -c test:///default disk-snapshot create test s1 --disk ""; virt-state complete -- -c test:///default commit test --disk v
--- stdout
vda
vda
--- stderr
--- exit 0

# a connection to another host is refused before connecting
$ virt-state -c qemu+ssh://nohost.invalid/system backup create web; echo "exit $?"
--- stdout
exit 1
--- stderr
virt-state: backup create: the connection 'qemu+ssh://nohost.invalid/system' is to another host, where this command's files would be; run virt-state on that host
--- exit 0

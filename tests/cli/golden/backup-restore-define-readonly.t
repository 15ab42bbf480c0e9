# --define defines a domain: not on a read-only connection
$ virt-state -c test:///default -r backup restore test x --to $TMP --define copy; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: backup restore: --define defines a domain: it cannot run on a read-only connection (--readonly)
--- exit 0

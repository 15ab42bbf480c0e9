import sys, xml.etree.ElementTree as ET
# editxml.py IN OUT vda=/path vdb=/path : point disks at new tops, drop <backingStore> so libvirt probes the chain
src, out = sys.argv[1], sys.argv[2]
m = dict(a.split('=',1) for a in sys.argv[3:])
t = ET.parse(src); r = t.getroot()
for disk in r.iter('disk'):
    tgt = disk.find('target').get('dev')
    if tgt in m:
        disk.find('source').set('file', m[tgt])
        for b in disk.findall('backingStore'): disk.remove(b)
t.write(out)

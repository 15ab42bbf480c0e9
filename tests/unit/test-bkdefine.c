/* backup_define_xml: the definition of a domain made from a backup's
 * recorded definition (backup restore --define), and the manifest keeping
 * that definition. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "backup_define.h"
#include "bkmanifest.h"
#include "tap.h"
#include "util.h"

static const char domxml[] =
    "<domain type='kvm'>\n"
    "  <name>web1</name>\n"
    "  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\n"
    "  <memory unit='KiB'>262144</memory>\n"
    "  <os><type>hvm</type><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>"
    "<nvram template='/usr/share/OVMF/OVMF_VARS.fd'>/var/lib/libvirt/qemu/nvram/web1_VARS.fd</nvram></os>\n"
    "  <devices>\n"
    "    <disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='/dev/vg/web1'/>"
    "<backingStore/><target dev='vda' bus='virtio'/></disk>\n"
    "    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/img/web1-b.ovl'/>"
    "<backingStore type='file'><format type='qcow2'/><source file='/img/web1-b.qcow2'/></backingStore>"
    "<target dev='vdb' bus='virtio'/></disk>\n"
    "    <disk type='file' device='disk'><source file='/img/scratch.raw'/><target dev='vdc' bus='virtio'/></disk>\n"
    "    <disk type='file' device='cdrom'><source file='/iso/install.iso'/><target dev='sda' bus='sata'/>"
    "<readonly/></disk>\n"
    "    <interface type='network'><mac address='52:54:00:12:34:56'/><source network='default'/></interface>\n"
    "    <serial type='file'><source path='/var/log/web1.log' append='on'/><target port='0'/></serial>\n"
    "    <console type='pty'><target type='serial' port='0'/></console>\n"
    "  </devices>\n"
    "</domain>\n";

static void test_define_xml(void)
{
    const char *targets[] = {"vda", "vdb"};
    const char *paths[] = {"/restore/vda.qcow2", "/restore/vdb.qcow2"};
    char **notes = NULL;
    char *x = backup_define_xml(domxml, "web1-copy", 2, targets, paths, &notes);
    ok(x != NULL, "define xml: made");
    if (!x)
        return;
    ok(strstr(x, "<name>web1-copy</name>") && !strstr(x, "<name>web1</name>"), "define xml: the new name");
    ok(!strstr(x, "<uuid>"), "define xml: no UUID (libvirt makes one)");
    ok(!strstr(x, "<mac ") && strstr(x, "<source network=\"default\"/>"), "define xml: the interface stays, without MAC");
    ok(strstr(x, "<nvram template=\"/usr/share/OVMF/OVMF_VARS.fd\"/>") && !strstr(x, "web1_VARS.fd"),
       "define xml: an empty nvram from the same template");
    ok(strstr(x, "<source file=\"/restore/vda.qcow2\"/>") && !strstr(x, "/dev/vg/web1"),
       "define xml: a block disk becomes the restored file");
    ok(strstr(x, "<source file=\"/restore/vdb.qcow2\"/>") && !strstr(x, "backingStore") && !strstr(x, "web1-b"),
       "define xml: the overlay disk on the restored file, no backing store");
    ok(!strstr(x, "type=\"raw\""), "define xml: both disks qcow2");
    ok(!strstr(x, "scratch.raw") && !strstr(x, "dev=\"vdc\""), "define xml: a writable disk not backed up goes");
    ok(strstr(x, "/iso/install.iso") != NULL, "define xml: a read-only cdrom stays");
    ok(strstr(x, "<serial type=\"pty\">") && !strstr(x, "/var/log/web1.log"), "define xml: a file serial goes to a pty");
    size_t nn = vs_strv_len(notes);
    ok(nn == 2 && strstr(notes[0], "disk vdc") && strstr(notes[1], "/var/log/web1.log"),
       "define xml: each change is noted (%zu)", nn);
    vs_strv_free(notes);
    free(x);

    const char *bad[] = {"vdz"};
    x = backup_define_xml(domxml, "c", 1, bad, paths, &notes);
    ok(x == NULL, "define xml: a backed-up disk the definition lacks is refused");
    vs_strv_free(notes);
    x = backup_define_xml("<!DOCTYPE domain [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><domain>&e;</domain>", "c", 1,
                          targets, paths, &notes);
    ok(x == NULL, "define xml: a document type declaration is refused");
    vs_strv_free(notes);
    x = backup_define_xml("<snapshot/>", "c", 1, targets, paths, &notes);
    ok(x == NULL, "define xml: not a domain");
    vs_strv_free(notes);
}

static void test_manifest(void)
{
    vs_bk_disk d = {"vda", "full.vda.qcow2", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                    1, 0, NULL, NULL};
    vs_backup b = {.id = "full", .chain = "full", .domain = "web1", .uuid = "6695eb01-f6a4-8304-79aa-97f2502e193f",
                   .complete = true, .consistency = "quiesced", .begin = 1, .end = 2, .frozen_us = -1,
                   .checkpoint = "virt-state-full", .checkpoint_xml = "x", .ndisks = 1, .disks = &d,
                   .domain_xml = (char *)domxml};
    char *xml = bkmanifest_format(&b);
    vs_backup *r = xml ? bkmanifest_parse(xml, strlen(xml), "t") : NULL;
    ok(r && r->domain_xml && strcmp(r->domain_xml, domxml) == 0, "manifest: the domain XML round-trips");
    bkmanifest_free(r);
    free(xml);
    b.domain_xml = NULL;
    xml = bkmanifest_format(&b);
    r = xml ? bkmanifest_parse(xml, strlen(xml), "t") : NULL;
    ok(r && !r->domain_xml && !strstr(xml, "domain-xml"), "manifest: without it, as older manifests are");
    bkmanifest_free(r);
    free(xml);
}

int main(void)
{
    test_define_xml();
    test_manifest();
    return done_testing();
}

#!/usr/bin/env python3
"""Writes small real OCI image layouts for the test registries.

Usage: make_images.py OUT_DIR

OUT_DIR/single  an OCI layout with one image (linux/amd64), tag "1.0"
OUT_DIR/multi   an OCI layout whose tag "1.0" is an image index with linux/amd64 and
                linux/arm64 images

Every image has one gzip layer holding /hello.txt; the config's diff_ids are the digests of
the uncompressed layers, as the image spec requires, so skopeo and registries accept them.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def put_blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(layout, "blobs", "sha256", digest)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def layer(text):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        body = text.encode()
        info = tarfile.TarInfo("hello.txt")
        info.size = len(body)
        info.mtime = 0
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(body))
    uncompressed = raw.getvalue()
    compressed = gzip.compress(uncompressed, mtime=0)
    return uncompressed, compressed


def image(layout, os_name, arch, text):
    uncompressed, compressed = layer(text)
    layer_desc = put_blob(layout, compressed)
    config = {
        "architecture": arch,
        "os": os_name,
        "config": {"Cmd": ["/bin/sh"]},
        "rootfs": {
            "type": "layers",
            "diff_ids": ["sha256:" + hashlib.sha256(uncompressed).hexdigest()],
        },
        "history": [{"created_by": "buildmedic test setup"}],
    }
    config_desc = put_blob(layout, json.dumps(config, sort_keys=True).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, **config_desc},
        "layers": [{"mediaType": OCI_LAYER, **layer_desc}],
    }
    desc = put_blob(layout, json.dumps(manifest, sort_keys=True).encode())
    return {"mediaType": OCI_MANIFEST, **desc}


def write_layout(layout, manifests):
    os.makedirs(layout, exist_ok=True)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}, f)


def main():
    out = sys.argv[1]
    single = os.path.join(out, "single")
    desc = image(single, "linux", "amd64", "single-arch test image\n")
    desc["annotations"] = {"org.opencontainers.image.ref.name": "1.0"}
    write_layout(single, [desc])

    multi = os.path.join(out, "multi")
    amd = image(multi, "linux", "amd64", "multi-arch test image, amd64\n")
    amd["platform"] = {"os": "linux", "architecture": "amd64"}
    arm = image(multi, "linux", "arm64", "multi-arch test image, arm64\n")
    arm["platform"] = {"os": "linux", "architecture": "arm64", "variant": "v8"}
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [amd, arm]}
    index_desc = put_blob(multi, json.dumps(index, sort_keys=True).encode())
    write_layout(
        multi,
        [{"mediaType": OCI_INDEX, **index_desc,
          "annotations": {"org.opencontainers.image.ref.name": "1.0"}}],
    )


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Seeds the fuzz corpora (fuzz/corpus/TARGET) from the real data beside
the project: MRT records, BGP messages and BMP streams cut from the
archives in DATA/mrt, registry rows from DATA/registry, the configuration
example and the scenarios of the repository, and RIS Live messages and
API requests written here. Usage: seed.py DATA CORPUS REPO"""
import bz2, gzip, json, os, struct, sys

data, out, repo = sys.argv[1], sys.argv[2], sys.argv[3]
PER_FILE = 40
MARKER = b"\xff" * 16


def put(target, name, payload):
    os.makedirs(os.path.join(out, target), exist_ok=True)
    mode = "w" if isinstance(payload, str) else "wb"
    with open(os.path.join(out, target, name), mode) as f:
        f.write(payload)


def bgp(msg_type, body):
    return MARKER + struct.pack(">HB", 19 + len(body), msg_type) + body


def open_message(asn):
    """An OPEN offering 4-byte AS numbers and IPv4 unicast ADD-PATH."""
    caps = bytes([65, 4]) + struct.pack(">I", asn) + bytes([69, 4, 0, 1, 1, 3])
    params = bytes([2, len(caps)]) + caps
    return bgp(1, struct.pack(">BHH4sB", 4, 23456, 90, bytes([192, 0, 2, 1]), len(params)) + params)


def bmp(msg_type, body):
    return struct.pack(">BIB", 3, 6 + len(body), msg_type) + body


def per_peer(asn, seconds):
    """RFC 7854 per-peer header: global peer, IPv4, 4-byte AS_PATHs."""
    addr = bytes(12) + bytes([192, 0, 2, 1])
    return struct.pack(">BB8s16sI4sII", 0, 0, bytes(8), addr, asn, bytes([192, 0, 2, 1]), seconds, 0)


def records(path):
    opener = bz2.open if path.endswith(".bz2") else gzip.open
    try:
        with opener(path, "rb") as f:
            raw = f.read(4 << 20)
    except (OSError, EOFError):
        return
    pos = 0
    while pos + 12 <= len(raw):
        seconds, typ, sub, length = struct.unpack(">IHHI", raw[pos:pos + 12])
        rec = raw[pos:pos + 12 + length]
        if len(rec) < 12 + length or length > 1 << 20:
            return
        yield pos, seconds, typ, sub, rec
        pos += 12 + length


def archives():
    mrt = os.path.join(data, "mrt")
    for root, _, files in os.walk(mrt):
        for name in sorted(files):
            if not (name.startswith("expect-") or name.endswith(".md")):
                yield name, os.path.join(root, name)


def seed_archives():
    for name, path in archives():
        kept, updates = {}, []
        for pos, seconds, typ, sub, rec in records(path):
            if kept.get((typ, sub), 0) < PER_FILE:
                kept[(typ, sub)] = kept.get((typ, sub), 0) + 1
                put("mrt_record", f"{name}-{pos}", rec)
            marker = rec.find(MARKER)
            if typ in (16, 17) and marker >= 0 and rec[marker + 18:marker + 19] == b"\x02":
                length = struct.unpack(">H", rec[marker + 16:marker + 18])[0]
                message = rec[marker:marker + length]
                if len(updates) < PER_FILE and len(message) == length:
                    updates.append((pos, seconds, message))
        for pos, _, message in updates:
            put("bgp_update", f"{name}-{pos}", message[19:])
        if not updates:
            continue
        # A neighbor's session: its OPEN, a KEEPALIVE, then the UPDATEs.
        put("bgp_message", name, open_message(64500) + bgp(4, b"") + b"".join(m for _, _, m in updates[:8]))
        # A router's BMP stream: Initiation, Peer Up with both OPENs, Route
        # Monitoring of the UPDATEs, Peer Down.
        peer = per_peer(64500, updates[0][1])
        up = peer + bytes(16) + struct.pack(">HH", 179, 40000) + open_message(64501) + open_message(64500)
        stream = bmp(4, struct.pack(">HH", 0, 8) + b"darkwatch") + bmp(3, up)
        stream += b"".join(bmp(0, per_peer(64500, s) + m) for _, s, m in updates[:8])
        put("bmp_stream", name, stream + bmp(2, peer + b"\x02\x00\x00"))


def seed_registry():
    registry = os.path.join(data, "registry")
    for name in sorted(os.listdir(registry)):
        if name.endswith(".gz"):
            with gzip.open(os.path.join(registry, name), "rt", errors="replace") as f:
                rows = [next(f, "") for _ in range(400)]
            for i in range(0, len(rows), 50):
                put("registry_line", f"{name}-{i}", "".join(rows[i:i + 50]))


def seed_ris_live():
    base = {"timestamp": 1401488100.5, "peer": "192.0.2.1", "peer_asn": "64496",
            "id": "06-1", "host": "rrc06", "type": "UPDATE"}
    seeds = {
        "announce-v4": {"path": [64496, 3356, [131279, 64497]], "origin": "IGP",
                        "community": [[3356, 2], [64496, 100]],
                        "announcements": [{"next_hop": "192.0.2.1", "prefixes": ["175.45.176.0/24", "10.0.0.0/8"]}],
                        "withdrawals": ["198.51.100.0/24"]},
        "announce-v6": {"path": [64496, 6939], "origin": "INCOMPLETE",
                        "announcements": [{"next_hop": "2001:db8::1,fe80::1", "prefixes": ["2001:db8::/32"]}],
                        "withdrawals": ["2001:db8:1::/48"]},
        "withdraw": {"withdrawals": ["175.45.176.0/24", "2001:db8::/32"]},
        "peer-down": {"type": "RIS_PEER_STATE", "state": "down"},
        "peer-up": {"type": "RIS_PEER_STATE", "state": "connected"},
        "open": {"type": "OPEN", "direction": "sent", "version": 4, "asn": 64496, "hold_time": 180,
                 "router_id": "192.0.2.1", "capabilities": {}},
    }
    for name, fields in seeds.items():
        put("ris_live", name, json.dumps({"type": "ris_message", "data": {**base, **fields}}))
    put("ris_live", "error", json.dumps({"type": "ris_error", "data": {"message": "bad filter"}}))
    put("ris_live", "pong", json.dumps({"type": "pong", "data": None}))


def seed_files():
    put("config_file", "example", open(os.path.join(repo, "darkwatch.example.toml")).read())
    scenarios = os.path.join(repo, "scenarios")
    for name in sorted(os.listdir(scenarios)):
        if name.endswith(".toml"):
            put("config_file", name, open(os.path.join(scenarios, name)).read())


def seed_api():
    """A byte picking the route (see api_query.rs), then the path
    parameter, a newline and the query string."""
    asks = [
        "\nlimit=10&active=true", "country/KP\nfrom=1419206400&to=1419292800&step=300",
        "country/KP/signals\nfrom=2014-12-22T00:00:00Z", "3\nformat=markdown",
        "175.45.176.0/24\nmore_specifics=true", "\nq=korea", "app.css\n",
    ]
    for pick in range(32):
        put("api_query", f"route-{pick}", bytes([pick]) + asks[pick % len(asks)].encode())


seed_archives()
seed_registry()
seed_ris_live()
seed_files()
seed_api()

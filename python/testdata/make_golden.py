"""Writes golden.txt: what Python 3 + numpy pickle for pickle_test.cc.

    /usr/bin/python3 python/testdata/make_golden.py > python/testdata/golden.txt

Each line: a name, the stream in hex, then each out-of-band buffer in hex
("-" for an empty one), as mpi4py.util.pkl5 would send them with an
out-of-band threshold of 64 bytes.
"""
import pickle

import numpy as np

THRESHOLD = 64


def cases():
    yield "none", None
    yield "true", True
    yield "int_small", 7
    yield "int_negative", -5
    yield "int_300", 300
    yield "int_70000", 70000
    yield "int_2_40", 2**40
    yield "int_min64", -2**63
    yield "uint_max64", 2**64 - 1
    yield "int_2_70", 2**70
    yield "float", 1.5
    yield "complex", 1 + 2j
    yield "str", "héllo"
    yield "bytes", b"\x00\x01ab"
    yield "bytearray", bytearray(b"xy")
    yield "list", [1, 2, 3]
    yield "tuple", (1, "a", 2.5)
    yield "dict", {"a": 1, "b": 2}
    yield "set", {1, 2, 3}
    yield "frozenset", frozenset({4})
    yield "shared", [[1, 2], [1, 2]]
    yield "array_f8_small", np.arange(4, dtype=np.float64)
    yield "array_f4_oob", np.arange(32, dtype=np.float32)
    yield "array_i4_2d", np.arange(6, dtype=np.int32).reshape(2, 3)
    yield "array_bool", np.array([True, False, True])
    yield "array_c16", np.array([1 + 2j, 3 - 4j])
    yield "array_empty", np.zeros(0)
    yield "array_shared_oob", [np.arange(16.0)] * 2
    yield "scalar_f8", np.float64(2.25)
    yield "scalar_i2", np.int16(-3)
    yield "array_0d", np.array(5.0)
    yield "struct", {"name": "p", "position": np.array([1.0, 2.0]),
                     "charge": -1}
    yield "array_big_endian", np.arange(3, dtype=">f8")
    yield "array_fortran", np.asfortranarray(np.arange(6.0).reshape(2, 3))
    yield "array_strings", np.array(["ab", "c"])
    yield "class", range(3)
    yield "exception", ValueError("root failed")
    yield "recursive", recursive()
    yield "recursive_dict", recursive_dict()
    yield "blowup", blowup()


def recursive():
    a = []
    a.append(a)
    return a


def recursive_dict():
    d = {}
    d["children"] = [d]
    return d


def blowup():
    x = {"children": []}
    for _ in range(60):
        x = {"children": [x, x]}
    return x


def main():
    for name, value in cases():
        buffers = []

        def callback(buffer):
            raw = buffer.raw()
            if len(raw) >= THRESHOLD:
                buffers.append(bytes(raw))
                return False
            return True

        stream = pickle.dumps(value, protocol=5, buffer_callback=callback)
        fields = [name, stream.hex()] + [b.hex() or "-" for b in buffers]
        print(" ".join(fields))


main()

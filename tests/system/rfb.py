"""A minimal RFB (VNC) client for the tests, written from RFC 6143: the
3.3/3.7/3.8 handshake with None or VNC authentication (DES from the
python3-cryptography package), SetPixelFormat, SetEncodings, update
requests and the Raw, Hextile, ZRLE, DesktopSize and Cursor rectangles
decoded into a framebuffer of 0xRRGGBB ints, KeyEvent and PointerEvent."""
import socket
import struct
import time
import zlib

RAW, COPYRECT, HEXTILE, ZRLE = 0, 1, 5, 16
CURSOR, DESKTOP_SIZE, EXT_KEY = -239, -223, -258


class RfbError(Exception):
    pass


def des_response(password, challenge):
    """VNC authentication: DES-ECB of the challenge, the key's bits reversed."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    key = bytes(int(f"{b:08b}"[::-1], 2) for b in password.encode()[:8].ljust(8, b"\0"))
    try:
        from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
    except ImportError:
        TripleDES = algorithms.TripleDES
    enc = Cipher(TripleDES(key * 3), modes.ECB()).encryptor()   # K1=K2=K3: single DES
    return enc.update(challenge) + enc.finalize()


class Client:
    def __init__(self, address, timeout=30):
        if isinstance(address, str):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        else:
            self.sock = socket.socket(socket.AF_INET6 if ":" in address[0] else socket.AF_INET)
        self.sock.settimeout(timeout)
        self.sock.connect(address)
        self.width = self.height = 0
        self.fb = []
        self.name = ""
        self.bpp = 32
        self.zlib = zlib.decompressobj()
        self.cursor_seen = False
        self.ext_key = False
        self.resized = 0
        self.copyrects = 0

    # --- bytes ---
    def recv(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise RfbError("connection closed by the server")
            data += chunk
        return data

    def u8(self):
        return self.recv(1)[0]

    def u16(self):
        return struct.unpack(">H", self.recv(2))[0]

    def u32(self):
        return struct.unpack(">I", self.recv(4))[0]

    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        self.sock.close()

    # --- handshake ---
    def handshake(self, password=None, version=8, shared=True):
        server = self.recv(12)
        if not server.startswith(b"RFB 003."):
            raise RfbError(f"bad server version {server!r}")
        self.send(b"RFB 003.%03d\n" % version)
        if version >= 7:
            n = self.u8()
            if n == 0:
                raise RfbError(self.recv(self.u32()).decode())
            types = self.recv(n)
            kind = 2 if 2 in types else 1
            if kind == 2 and password is None:
                raise RfbError("server wants a password")
            self.send(bytes([kind]))
        else:
            kind = self.u32()
        if kind == 2:
            challenge = self.recv(16)
            self.send(des_response(password or "", challenge))
        if kind == 2 or version >= 8:
            if self.u32() != 0:
                reason = self.recv(self.u32()).decode() if version >= 8 else "failed"
                raise RfbError(reason)
        self.send(bytes([1 if shared else 0]))
        self.width, self.height = self.u16(), self.u16()
        self.pixel_format = self.recv(16)
        self.name = self.recv(self.u32()).decode()
        self.fb = [0] * (self.width * self.height)

    def set_pixel_format(self, bpp=32, depth=24, big_endian=0, maxes=(255, 255, 255),
                         shifts=(16, 8, 0)):
        self.bpp = bpp
        self.big_endian = big_endian
        self.maxes, self.shifts = maxes, shifts
        pf = struct.pack(">BBBBHHHBBB3x", bpp, depth, big_endian, 1, *maxes, *shifts)
        self.send(b"\0\0\0\0" + pf)

    def set_encodings(self, encodings):
        self.send(struct.pack(">BxH", 2, len(encodings)) +
                  b"".join(struct.pack(">i", e) for e in encodings))

    def request(self, incremental=False, x=0, y=0, w=None, h=None):
        w = self.width if w is None else w
        h = self.height if h is None else h
        self.send(struct.pack(">BBHHHH", 3, 1 if incremental else 0, x, y, w, h))

    def key(self, keysym, down):
        self.send(struct.pack(">BBxxI", 4, 1 if down else 0, keysym))

    def type_text(self, text, delay=0.05):
        shifted = '~!@#$%^&*()_+{}|:"<>?ABCDEFGHIJKLMNOPQRSTUVWXYZ'
        for ch in text:
            sym = 0xff0d if ch == "\n" else ord(ch)
            if ch in shifted:
                self.key(0xffe1, True)
            self.key(sym, True)
            self.key(sym, False)
            if ch in shifted:
                self.key(0xffe1, False)
            time.sleep(delay)

    def pointer(self, x, y, mask=0):
        self.send(struct.pack(">BBHH", 5, mask, x, y))

    # --- pixels ---
    def pixel_bytes(self):
        return self.bpp // 8

    def decode_pixel(self, data):
        if len(data) == 3:      # ZRLE's CPIXEL
            v = int.from_bytes(data, "big" if getattr(self, "big_endian", 0) else "little")
        else:
            v = int.from_bytes(data, "big" if getattr(self, "big_endian", 0) else "little")
        maxes = getattr(self, "maxes", (255, 255, 255))
        shifts = getattr(self, "shifts", (16, 8, 0))
        rgb = [((v >> s) & m) * 255 // m for m, s in zip(maxes, shifts)]
        return rgb[0] << 16 | rgb[1] << 8 | rgb[2]

    def put(self, x, y, colour):
        if 0 <= x < self.width and 0 <= y < self.height:
            self.fb[y * self.width + x] = colour

    # --- updates ---
    def read_update(self):
        """Read one server message; returns the rectangles of an update."""
        kind = self.u8()
        if kind == 1:               # colour map entries: skip
            self.recv(3)
            n = self.u16()
            self.recv(6 * n)
            return []
        if kind == 2:
            return []
        if kind == 3:
            self.recv(3)
            self.recv(self.u32())
            return []
        if kind != 0:
            raise RfbError(f"unknown server message {kind}")
        self.recv(1)
        rects = []
        for _ in range(self.u16()):
            x, y, w, h, enc = struct.unpack(">HHHHi", self.recv(12))
            rects.append((x, y, w, h, enc))
            self.decode_rect(x, y, w, h, enc)
        return rects

    def decode_rect(self, x, y, w, h, enc):
        if enc == RAW:
            self.decode_raw(x, y, w, h)
        elif enc == HEXTILE:
            self.decode_hextile(x, y, w, h)
        elif enc == ZRLE:
            self.decode_zrle(x, y, w, h)
        elif enc == COPYRECT:
            sx, sy = self.u16(), self.u16()
            src = [self.fb[(sy + j) * self.width + sx:(sy + j) * self.width + sx + w]
                   for j in range(h)]
            for j in range(h):
                self.fb[(y + j) * self.width + x:(y + j) * self.width + x + w] = src[j]
            self.copyrects += 1
        elif enc == DESKTOP_SIZE:
            self.width, self.height = w, h
            self.fb = [0] * (w * h)
            self.resized += 1
        elif enc == CURSOR:
            self.recv(w * h * self.pixel_bytes() + (w + 7) // 8 * h)
            self.cursor_seen = True
        elif enc == EXT_KEY:
            self.ext_key = True
        else:
            raise RfbError(f"unexpected encoding {enc}")

    def decode_raw(self, x, y, w, h, data=None):
        bpp = self.pixel_bytes()
        data = self.recv(w * h * bpp) if data is None else data
        for j in range(h):
            for i in range(w):
                o = (j * w + i) * bpp
                self.put(x + i, y + j, self.decode_pixel(data[o:o + bpp]))

    def decode_hextile(self, x, y, w, h):
        bpp = self.pixel_bytes()
        bg = fg = 0
        for ty in range(y, y + h, 16):
            for tx in range(x, x + w, 16):
                tw, th = min(16, x + w - tx), min(16, y + h - ty)
                sub = self.u8()
                if sub & 1:
                    self.decode_raw(tx, ty, tw, th)
                    continue
                if sub & 2:
                    bg = self.decode_pixel(self.recv(bpp))
                for j in range(th):
                    for i in range(tw):
                        self.put(tx + i, ty + j, bg)
                if sub & 4:
                    fg = self.decode_pixel(self.recv(bpp))
                if sub & 8:
                    for _ in range(self.u8()):
                        colour = self.decode_pixel(self.recv(bpp)) if sub & 16 else fg
                        xy, wh = self.u8(), self.u8()
                        sx, sy = xy >> 4, xy & 15
                        sw, sh = (wh >> 4) + 1, (wh & 15) + 1
                        for j in range(sh):
                            for i in range(sw):
                                self.put(tx + sx + i, ty + sy + j, colour)

    def decode_zrle(self, x, y, w, h):
        data = self.zlib.decompress(self.recv(self.u32()))
        pos = 0
        cp = 3 if self.bpp == 32 else self.pixel_bytes()

        def take(n):
            nonlocal pos
            pos += n
            return data[pos - n:pos]

        for ty in range(y, y + h, 64):
            for tx in range(x, x + w, 64):
                tw, th = min(64, x + w - tx), min(64, y + h - ty)
                sub = take(1)[0]
                if sub == 0:
                    for j in range(th):
                        for i in range(tw):
                            self.put(tx + i, ty + j, self.decode_pixel(take(cp)))
                elif sub == 1:
                    c = self.decode_pixel(take(cp))
                    for j in range(th):
                        for i in range(tw):
                            self.put(tx + i, ty + j, c)
                elif sub <= 16:
                    pal = [self.decode_pixel(take(cp)) for _ in range(sub)]
                    bits = 1 if sub == 2 else 2 if sub <= 4 else 4
                    for j in range(th):
                        row = take((tw * bits + 7) // 8)
                        for i in range(tw):
                            b = i * bits
                            idx = (row[b // 8] >> (8 - bits - b % 8)) & ((1 << bits) - 1)
                            self.put(tx + i, ty + j, pal[idx])
                else:
                    raise RfbError(f"ZRLE subencoding {sub} not expected from kemu")

    def full_frame(self, timeout=30):
        """A non-incremental update of the whole screen, read completely."""
        self.request(incremental=False)
        end = time.time() + timeout
        covered = 0
        while time.time() < end:
            rects = self.read_update()
            for x, y, w, h, enc in rects:
                if enc >= 0:
                    covered += w * h
                if enc == DESKTOP_SIZE:
                    covered = 0
                    self.request(incremental=False)
            if covered >= self.width * self.height:
                return True
        return False

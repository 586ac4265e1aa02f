"""Drives `tcscale --sandbox` in a pseudo-terminal for tests/e2e_pty.rs.

usage: tui_pty.py BINARY MODE   (MODE: sigterm | sigint | ctrl-c)

Starts the TUI on a fresh pty, waits until it has entered the alternate
screen in raw mode, walks into a flow (Enter on the overview, Enter on the
source list), then ends it the way MODE says, and prints one JSON line:
the termios of the pty before, during and after, how the process ended,
and the tail of what it wrote.
"""
import fcntl, json, os, pty, select, signal, subprocess, sys, termios, time

binary, mode = sys.argv[1], sys.argv[2]
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, b"\x18\x00\x50\x00\x00\x00\x00\x00")  # 24x80
before = termios.tcgetattr(slave)


def child_setup():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


proc = subprocess.Popen(
    [binary, "--sandbox", "--lang", "en"],
    stdin=slave, stdout=slave, stderr=slave, preexec_fn=child_setup,
    env={**os.environ, "TERM": "xterm-256color"}, close_fds=True,
)
out = bytearray()


def pump(seconds):
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([master], [], [], 0.05)
        if r:
            try:
                out.extend(os.read(master, 65536))
            except OSError:
                return


def wait_for(needle, seconds):
    end = time.time() + seconds
    while time.time() < end and needle not in out:
        pump(0.1)
    return needle in out


entered = wait_for(b"\x1b[?1049h", 15)
pump(2.0)  # the overview's first discovery
during = termios.tcgetattr(slave)
os.write(master, b"\r")
pump(1.0)
os.write(master, b"\r")
pump(1.0)
if mode == "sigterm":
    proc.send_signal(signal.SIGTERM)
elif mode == "sigint":
    proc.send_signal(signal.SIGINT)
else:
    os.write(master, b"\x03")
    pump(1.0)
    if proc.poll() is None:  # the quit confirm: accept it
        os.write(master, b"y")
        pump(0.5)
    if proc.poll() is None:
        os.write(master, b"\r")
try:
    code = proc.wait(timeout=10)
except subprocess.TimeoutExpired:
    proc.kill()
    code = "hung"
pump(0.3)
after = termios.tcgetattr(slave)
text = bytes(out)
print(json.dumps({
    "entered": entered,
    "code": code,
    "before": before[:4],
    "during": during[:4],
    "after": after[:4],
    "icanon_before": bool(before[3] & termios.ICANON),
    "icanon_during": bool(during[3] & termios.ICANON),
    "icanon_after": bool(after[3] & termios.ICANON),
    "left_alt_screen": text.rfind(b"\x1b[?1049l") > text.rfind(b"\x1b[?1049h") >= 0,
    "cursor_shown": text.rfind(b"\x1b[?25h") > text.rfind(b"\x1b[?25l"),
    "mouse_off": text.rfind(b"\x1b[?1000l") > text.rfind(b"\x1b[?1000h"),
    "tail": text[-400:].decode("utf-8", "replace"),
}))

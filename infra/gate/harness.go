package gate

import (
	"net"
)

// FreePort is a loopback TCP port free a moment ago, for an emulator to listen on (a harness
// retries its start, as another process may take the port first).
func FreePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = l.Close() }()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

// Tail is the last n bytes of a harness's log, for a failure message.
func Tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// child is a server process the bench started: it is stopped by its own process group id
// (SIGTERM, then SIGKILL), never by name.
type child struct {
	name   string
	cmd    *exec.Cmd
	log    *os.File
	exited chan struct{}
	stdin  io.WriteCloser
}

// startChild starts argv in its own process group, output to logPath.
func startChild(name, dir string, env []string, logPath string, argv ...string) (*child, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		_ = logf.Close() // nothing was written to it
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		_ = logf.Close() // nothing was written to it
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, log: logf, exited: make(chan struct{}), stdin: stdin}
	go func() { _ = cmd.Wait(); close(c.exited) }()
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// stop ends the child's process group: stdin closed and SIGTERM, SIGKILL after the grace period.
func (c *child) stop(grace time.Duration) {
	if c == nil {
		return
	}
	_ = c.stdin.Close()
	pgid := c.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-c.exited
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL) // anything the group left behind
	_ = c.log.Close()                        // the child wrote through its own descriptor
}

// tail returns the end of the child's log, for error messages.
func (c *child) tail() string { return tailFile(c.log.Name(), 2000) }

func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitHTTP polls url until it answers with status want, the child exits, or timeout passes.
func waitHTTP(ctx context.Context, c *child, url string, want int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body) // drained for reuse; only the status matters
			resp.Body.Close()
			if resp.StatusCode == want {
				return nil
			}
		}
		select {
		case <-c.exited:
			return fmt.Errorf("%s exited before it was ready; its log ends:\n%s", c.name, c.tail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready within %v; its log ends:\n%s", c.name, timeout, c.tail())
		}
	}
}

// waitLine waits until the child's log holds a line starting with prefix.
func waitLine(ctx context.Context, c *child, prefix string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		if f, err := os.Open(c.log.Name()); err == nil {
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), prefix) {
					_ = f.Close() // read only
					return sc.Text(), nil
				}
			}
			_ = f.Close() // read only
		}
		select {
		case <-c.exited:
			return "", fmt.Errorf("%s exited; its log ends:\n%s", c.name, c.tail())
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("%s printed no %q within %v; its log ends:\n%s", c.name, prefix, timeout, c.tail())
		}
	}
}

func cmdOutput(name string, args ...string) string {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
}

func itoa(n int) string { return strconv.Itoa(n) }

var errUnavailable = errors.New("not available")

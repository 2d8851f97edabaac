//go:build !unix

package localkms

import (
	"os/exec"
	"syscall"
)

// Without process groups the emulator (a single process) is killed directly.

func ownGroup(*exec.Cmd) {}

func signalGroup(cmd *exec.Cmd, _ syscall.Signal) { _ = cmd.Process.Kill() }

const (
	sigTerm = syscall.Signal(15)
	sigKill = syscall.Signal(9)
)

// exists cannot tell without process groups; the emulator was killed and waited for.
func exists(int) bool { return false }

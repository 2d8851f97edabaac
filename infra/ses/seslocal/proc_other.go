//go:build !unix

package seslocal

import (
	"os/exec"
	"syscall"
)

// Without process groups the emulator (a single node process) is killed directly.

func ownGroup(*exec.Cmd) {}

func signalGroup(cmd *exec.Cmd, _ syscall.Signal) { _ = cmd.Process.Kill() }

const (
	sigTerm = syscall.Signal(15)
	sigKill = syscall.Signal(9)
)

// processExists cannot tell here; the emulator was killed and waited for.
func processExists(int) bool { return false }

//go:build unix

package seslocal

import (
	"os/exec"
	"syscall"
)

// ownGroup puts the emulator in a process group of its own, so that stopping it stops
// everything it started.
func ownGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// signalGroup sends sig to the emulator's whole process group.
func signalGroup(cmd *exec.Cmd, sig syscall.Signal) { _ = syscall.Kill(-cmd.Process.Pid, sig) }

const (
	sigTerm = syscall.SIGTERM
	sigKill = syscall.SIGKILL
)

// processExists reports whether the process still exists (not yet reaped, or still running).
func processExists(pid int) bool { return syscall.Kill(pid, 0) == nil }

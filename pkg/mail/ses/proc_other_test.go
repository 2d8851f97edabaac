//go:build !unix

package ses_test

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

//go:build !unix

package ddbproc

import "os/exec"

// Without process groups, only the launcher is killed; it stops DynamoDB Local when its stdin
// closes.
func setProcessGroup(*exec.Cmd) {}

func killGroup(cmd *exec.Cmd, hard bool) {
	if cmd.Process != nil && hard {
		_ = cmd.Process.Kill()
	}
}

// processExists cannot tell here; the launcher was killed and waited for.
func processExists(int) bool { return false }

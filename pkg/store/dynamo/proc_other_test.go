//go:build !unix

package dynamo

import "os/exec"

// Without process groups, only the launcher is killed; it stops DynamoDB Local when its stdin
// closes.
func setProcessGroup(*exec.Cmd) {}

func killGroup(cmd *exec.Cmd, hard bool) {
	if cmd.Process != nil && hard {
		_ = cmd.Process.Kill()
	}
}

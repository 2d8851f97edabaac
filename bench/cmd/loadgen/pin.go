package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// The cores of -pin: the server on one, the load generator with everything it starts (the webhook
// receiver, the dispatcher, the emulators and their functions) on the other.
const (
	serverCore = "0"
	genCore    = 1
)

const pinnedText = "`loadgen server` under `taskset -c 0`; the load generator, its webhook receiver and dispatcher, and the emulators with their functions under `taskset -c 1`"

// pinSelf makes this process run on genCore only: when it is not already, it runs itself again
// under `taskset -c 1` (every thread of a process started so inherits the mask; setting it from
// Go would set it for one thread only).
func pinSelf() error {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return fmt.Errorf("-pin: %w", err)
	}
	if bytes.Contains(status, []byte(fmt.Sprintf("\nCpus_allowed_list:\t%d\n", genCore))) {
		return nil
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		return errors.New("-pin needs taskset (util-linux)")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	argv := append([]string{taskset, "-c", fmt.Sprint(genCore), self}, os.Args[1:]...)
	return syscall.Exec(taskset, argv, os.Environ())
}

package userpool

import (
	"fmt"
	"strconv"
)

// ---- small encoding helpers ----

func itoa(n int) string { return strconv.Itoa(n) }

// atoiStrict parses a non-negative decimal integer.
func atoiStrict(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("not a non-negative integer: %q", s)
	}
	return n, nil
}

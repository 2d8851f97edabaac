// Command inject writes infra/edge/router.js into template.yaml's CloudFront function
// (run from the repository root: go run ./infra/sam/inject).
package main

import (
	"fmt"
	"os"

	"github.com/cognatehq/cognate/infra/sam"
)

func main() {
	code, err := os.ReadFile("infra/edge/router.js")
	if err != nil {
		fail(err)
	}
	tpl, err := os.ReadFile("template.yaml")
	if err != nil {
		fail(err)
	}
	out, err := sam.Inject(tpl, string(code))
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile("template.yaml", out, 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "inject:", err)
	os.Exit(1)
}

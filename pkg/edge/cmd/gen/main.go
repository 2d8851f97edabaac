// Command gen writes the edge router and its routing table from pkg/cognito's operation table:
// router.js (the CloudFront Function) and routes.json into -dir. `go generate ./pkg/edge` runs it.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cognatehq/cognate/pkg/edge"
)

func main() {
	dir := flag.String("dir", "infra/edge", "directory to write router.js and routes.json into")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	router, err := edge.Generate()
	if err != nil {
		return err
	}
	routes, err := edge.RoutesJSON()
	if err != nil {
		return err
	}
	for name, content := range map[string][]byte{"router.js": router, "routes.json": routes} {
		path := filepath.Join(dir, name)
		// Leave an up-to-date file alone, so generating twice changes nothing.
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, content) {
			continue
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
		fmt.Printf("wrote %s (%d bytes)\n", path, len(content))
	}
	return nil
}

// Command cognate is the local Cognate: `cognate serve` runs every function's handler on one
// listener with the embedded store, a local signing key and an outbox instead of SES.
package main

import (
	"fmt"
	"os"
)

const usage = `cognate — a strict, local Amazon Cognito user pool

Usage:
  cognate serve [flags]     run the local server (cognate serve -h for flags)
  cognate keys rotate       rotate pools' signing keys in the local store (cognate keys rotate -h)
  cognate version           print the version
`

var version = "dev"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		if err := serve(os.Args[2:], os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "cognate:", err)
			os.Exit(1)
		}
	case "keys":
		if err := keys(os.Args[2:], os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "cognate:", err)
			os.Exit(1)
		}
	case "version":
		fmt.Println(version)
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "cognate: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
}

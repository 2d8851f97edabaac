// Command benchhook is the trigger function `make bench` runs under the Lambda Runtime Interface
// Emulator (bench/hook answers: PreAuthentication unchanged, PreTokenGeneration V2_0 with one
// claim added to both tokens). Bench support, never deployed.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognatehq/cognate/bench/hook"
)

func main() { lambda.Start(hook.Handle) }

// Package bench holds `make bench`: the load generator (cmd/loadgen) that drives `cognate serve`
// and cognito-local with the real aws-sdk-go-v2 Cognito client, counts DynamoDB requests and
// capacity units against DynamoDB Local, measures sign-in with PreAuthentication and
// PreTokenGeneration triggers (a webhook on loopback and bench/cmd/benchhook under the Lambda
// Runtime Interface Emulator) and the trigger path in-process, measures the crypto limits, and writes
// docs/benchmarks.md with its plots and raw JSON (report). Nothing here runs load from
// `go test`: the tests cover the statistics, /proc parsing, SVG and report helpers only.
package bench

// Package msg names the service's errors: each message a client may see from more than one
// place, or that a decision matches on, is written here once, as a constructor returning a
// fresh value from the catalogue (pkg/cognito). Every room of the service (pkg/userpool and the
// packages below it) calls these rather than repeating a literal; TestMessagesWrittenOnce in
// pkg/userpool keeps it so.
package msg

// Package model is Cognito's data model as the service reads it, in pure code: the shapes
// (the SDK's `types`, with Cognito's JSON names and validation tags), pools (Pool: the stored
// UserPoolType with its derived lookups, password policy, schema, recovery), app clients
// (Client: flows, token lifetimes, read/write attributes), users (UserRecord as stored,
// PasswordRecord, statuses, the lock counters, aliases and search-index entries, username
// folding), and the checks on them (attributes against the schema, passwords against the
// policy). It reads no store, signs nothing and sends nothing: every function here is a
// function of its arguments, so each rule can be tested alone.
//
// What the service stores of a user is UserRecord's JSON; its golden test
// (user_golden_test.go) freezes the field names the embedded store deflates against.
package model

package signer

import "github.com/cognatehq/cognate/pkg/store"

// partitionKey and sortKey spell a key record's item key for tests that read or forge records.
func partitionKey(poolID string) string { return store.SigningKeysKey(poolID).PK() }

func sortKey(use KeyUse, generation int) string { return keyOf("", use, generation).SK() }

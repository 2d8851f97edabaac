// Package envelope owns encryption of secrets at rest: SRP verifiers, token signing keys, and
// later TOTP seeds. Nothing secret is written to the Table in clear; it goes through a Sealer.
//
// # Envelope encryption
//
// A MasterKey never encrypts records itself. It hands out data keys (AES-256) and unwraps them
// again: GenerateDataKey returns the data key in clear plus the same key wrapped by the master
// key; Decrypt turns a wrapped key back into the clear one. A Sealer asks for one data key the
// first time it seals, keeps it in memory, and encrypts every record with it under AES-256-GCM.
// The wrapped data key travels inside each blob, so any process holding the master key can open
// any blob, and the master key is asked once per data key, not once per record: a KMS-backed
// master key costs one GenerateDataKey per process (Lambda cold start) and one Decrypt per
// distinct data key met, instead of one KMS call per sign-in.
//
// # Binding records to their context
//
// Seal and Open take an aad ("additional authenticated data"), e.g. pool id + user sub + purpose.
// It is not stored; it must be presented again to Open, and a different aad makes Open fail.
// That stops a stored secret from being copied onto another user's or pool's item (or reused for
// another purpose) by anyone who can write the table but does not hold the master key
// (checklist PWD-06: "wrong context fails to decrypt").
//
// The per-record context lives in the GCM aad, not in the KMS encryption context, on purpose:
// one data key protects many records, so the key-level context can only say what the data keys
// are for. KMSMasterKey (kms.go) implements MasterKey as
//
//	GenerateDataKey: kms.GenerateDataKey{KeyId, KeySpec: AES_256,
//	                 EncryptionContext: {"cognate:purpose": "envelope-data-key"}}
//	                 -> (Plaintext, CiphertextBlob)
//	Decrypt:         kms.Decrypt{KeyId (pinned), CiphertextBlob, the same EncryptionContext}
//	ID:              the key ARN
//
// The trade-off: CloudTrail shows which data keys were unwrapped, not which user record was read.
//
// # Blob format (version 1)
//
//	byte 0          version, 0x01
//	bytes 1..2      length of the wrapped data key, big endian (1..1024)
//	next n bytes    wrapped data key (opaque to the Sealer; a KMS CiphertextBlob names its key)
//	next 12 bytes   GCM nonce, random
//	rest            AES-256-GCM ciphertext and 16-byte tag,
//	                aad = bytes 0..(3+n) (the header above) || caller's aad
//
// The header is authenticated too, so no byte of a blob can change without Open failing.
//
// # Failing closed
//
// Every error from the master key (throttling, access denied, a disabled key) is returned to the
// caller wrapped, never swallowed and never replaced by a fallback; callers treat it as "the
// secret is unavailable" (checklist KMS-01, ASVS 16.5.3). A blob that does not authenticate
// returns ErrInvalid.
package envelope

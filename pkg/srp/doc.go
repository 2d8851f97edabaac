// Package srp owns the SRP-6a arithmetic of Cognito user pools, byte for byte as Amazon Cognito and
// amazon-cognito-identity-js (AuthenticationHelper) do it: the group, the hashes, the session key,
// the PASSWORD_CLAIM_SIGNATURE and the TIMESTAMP format. It knows nothing of users, sessions,
// SECRET_BLOCK sealing, lockout or clocks; callers (pkg/userpool) do those.
//
// # The math (protocol spec §4)
//
//	N  = RFC 3526 3072-bit MODP prime, g = 2, H = SHA-256
//	k  = H(PAD(N) || PAD(g))                       PAD(g) is the single byte 0x02
//	x  = H(PAD(salt) || H(poolName || userID || ":" || password))
//	v  = g^x mod N                                  the stored verifier
//	A  = g^a mod N,  a = 128 random bytes           client
//	B  = (k·v + g^b) mod N,  b = 32 random bytes    server
//	u  = H(PAD(A) || PAD(B))
//	S  = (B - k·g^x)^(a + u·x) mod N  =  (A·v^u)^b mod N
//	K  = HKDF-SHA256(secret PAD(S), salt PAD(u), info "Caldera Derived Key")[:16]
//	PASSWORD_CLAIM_SIGNATURE = Base64(HMAC-SHA256(K, poolName || userID || SECRET_BLOCK bytes || TIMESTAMP))
//
// PAD is Java's BigInteger.toByteArray: the minimal two's-complement big-endian encoding of a
// non-negative integer, so leading zero bytes vanish and a value whose top bit is set gains a 0x00
// (see [Pad]). Every integer fed to a hash goes through it, including the salt, which the client
// receives as hex and parses as an integer: a salt stored as 00 00 7f … is hashed as 7f …. Hash
// outputs used as integers (x, u, k) are the 32 digest bytes read as unsigned big-endian numbers.
// poolName is the part of the pool id after the underscore ([PoolName]); userID is the
// USER_ID_FOR_SRP the server sends, never the alias the user typed.
//
// # Encodings
//
// Salts and verifiers are byte slices holding unsigned big-endian integers; any encoding of the
// same number is equivalent here. [NewVerifier] makes 16 raw random salt bytes (Cognito's user
// salts) and returns the verifier as PAD(v) — the encoding devices send in ConfirmDevice — so user
// and device secrets are stored alike. On the wire, SALT is hex of the stored salt bytes, SRP_A and
// SRP_B are hex integers ([HexInt] writes them lowercase and unpadded as the JavaScript client
// does; [ParseA] reads any case and padding), SECRET_BLOCK and PASSWORD_CLAIM_SIGNATURE are
// standard base64.
//
// # Server use (USER_SRP_AUTH → PASSWORD_VERIFIER)
//
//  1. InitiateAuth: A, err := ParseA(SRP_A); step, err := NewServerStep(rand.Reader, verifier).
//     Seal {A, step.B, step.Secret, user, client, issue time} into SECRET_BLOCK; answer
//     SALT = hex(salt), SRP_B = HexInt(step.B).
//  2. RespondToAuthChallenge: open SECRET_BLOCK, read TIMESTAMP with [ParseTimestamp],
//     key, err := ServerSessionKey(A, B, b, verifier), then VerifySignature(key, poolName,
//     userID, secretBlock, FormatTimestamp(parsed), PASSWORD_CLAIM_SIGNATURE): the signature is
//     checked over Cognito's own rendering of the time, and there is no clock window.
//
// A stateful caller may instead keep the *ServerStep and call [ServerStep.SessionKey].
//
// # Device SRP (DEVICE_SRP_AUTH → DEVICE_PASSWORD_VERIFIER)
//
// The same math with poolName replaced by the DeviceGroupKey and userID by the DeviceKey. The
// client invents the device password and sends salt and verifier in ConfirmDevice
// ([NewDeviceSecret] mirrors it); the server checks them with [CheckVerifier], stores them, and
// later answers SALT = hex(stored salt).
//
// # Client use (our tests and tools)
//
// [Client] mirrors AuthenticationHelper: NewClient makes a and SRP_A, and
// [Client.PasswordClaim] turns the PASSWORD_VERIFIER parameters into PASSWORD_CLAIM_SIGNATURE.
//
// # Randomness and timing
//
// Everything random reads from an io.Reader the caller passes (crypto/rand.Reader in production,
// fixed bytes in tests), in the same order the JavaScript client draws its random bytes, so test
// vectors from amazon-cognito-identity-js replay exactly (testdata/gen-vectors.js). Secrets are
// compared in constant time, but math/big exponentiation is not constant-time: b is therefore
// single-use, and the verifier is a password-equivalent secret to keep encrypted (PWD-06).
package srp

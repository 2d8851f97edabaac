package srp

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// The RFC 3526 3072-bit MODP group (also RFC 5054's 3072-bit group), as hard-coded in
// amazon-cognito-identity-js.
const primeHex = "" +
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74" +
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437" +
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05" +
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB" +
	"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718" +
	"3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33" +
	"A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864" +
	"D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2" +
	"08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

// primeBytes is the width of N; fixed-width encodings (constant-time compares) use it.
const primeBytes = 384

// hkdfInfo is the HKDF info string of the session key; AWS never explained the name.
const hkdfInfo = "Caldera Derived Key"

// sessionKeyBytes is the session key length: the first 16 bytes of one HKDF-SHA256 block.
const sessionKeyBytes = 16

// Input limits for values that arrive over the wire. 4096 hex digits is far beyond any honest
// SRP_A (768 digits), but keeps the modular reduction of a hostile one cheap.
const (
	maxPublicHex = 4096
	maxSaltHex   = 1024
)

var (
	prime     = mustHexInt(primeHex)
	generator = big.NewInt(2)
	// multiplier is k = H(PAD(N) || PAD(g)). Unlike RFC 5054, g is not left-padded to |N|.
	multiplier = hashInt(Pad(prime), Pad(generator))
)

// Errors. Parse failures wrap the sentinel of the value at fault, so callers test with errors.Is
// and map every SRP failure to one protocol error.
var (
	// ErrBadA: SRP_A is malformed, too long, or A mod N = 0 (which would make S = 0).
	ErrBadA = errors.New("srp: invalid SRP_A")
	// ErrBadB: SRP_B is malformed, too long, or B mod N = 0 (client side).
	ErrBadB = errors.New("srp: invalid SRP_B")
	// ErrBadU: u = H(PAD(A) || PAD(B)) is zero; the protocol must abort (RFC 5054 §2.6).
	ErrBadU = errors.New("srp: scrambling parameter u is zero")
	// ErrBadSalt: SALT is empty, malformed or too long.
	ErrBadSalt = errors.New("srp: invalid SALT")
	// ErrBadVerifier: the verifier is not an integer in [1, N-1].
	ErrBadVerifier = errors.New("srp: invalid verifier")
)

// Pad is the PAD() of Cognito's SRP: the minimal big-endian two's-complement encoding of a
// non-negative integer, as Java's BigInteger.toByteArray() and the JavaScript client's padHex
// produce it. Leading zero bytes are dropped, a 0x00 is prepended when the top bit is set, and
// zero is the single byte 0x00. Every integer Cognito hashes goes through it. n must be ≥ 0.
func Pad(n *big.Int) []byte {
	if n.Sign() < 0 {
		panic("srp: Pad of a negative integer")
	}
	b := n.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		return append([]byte{0}, b...)
	}
	return b
}

// HexInt writes n as the JavaScript client writes SRP_A (BigInteger.toString(16)): lowercase hex
// without leading zeros; zero is "0". The server uses it for SRP_B.
func HexInt(n *big.Int) string { return n.Text(16) }

// PoolName is the pool name that SRP hashes and signs: the part of the user pool id after the
// underscore ("us-east-1_AbC123xyz" → "AbC123xyz"). Like the JavaScript client (split('_')[1]) it
// stops at a second underscore; an id without one gives "".
func PoolName(poolID string) string {
	_, rest, ok := strings.Cut(poolID, "_")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "_")
	return name
}

// ParseA reads SRP_A leniently — upper or lower case, with or without leading zeros, as the
// various SDKs send it — and rejects what must never reach the math: an empty or non-hex value,
// more than 4096 hex digits, and A mod N = 0 (A ∈ {0, N, 2N, …} forces S = 0, PWD-07). A ≥ N is
// otherwise accepted unreduced, because u hashes A exactly as the client sent it. Errors wrap
// ErrBadA.
func ParseA(s string) (*big.Int, error) { return parsePublic(s, ErrBadA) }

// ParseSalt reads a SALT hex string into bytes (odd lengths get a leading zero nibble). Leading
// zero bytes are kept but never matter: the salt is always hashed as PAD(int(salt)). Errors wrap
// ErrBadSalt.
func ParseSalt(s string) ([]byte, error) {
	if err := checkHex(s, maxSaltHex); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSalt, err)
	}
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return hex.DecodeString(s) // cannot fail: checked above
}

// CheckVerifier reports whether verifier (as a device sends it in ConfirmDevice) is an integer in
// [1, N-1]. Anything else is not g^x mod N: zero would make every session key S = 0.
func CheckVerifier(verifier []byte) error {
	_, err := verifierInt(verifier)
	return err
}

func verifierInt(verifier []byte) (*big.Int, error) {
	if len(verifier) > primeBytes+1 {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadVerifier, len(verifier))
	}
	v := new(big.Int).SetBytes(verifier)
	if v.Sign() == 0 || v.Cmp(prime) >= 0 {
		return nil, fmt.Errorf("%w: not in [1, N-1]", ErrBadVerifier)
	}
	return v, nil
}

func parsePublic(s string, bad error) (*big.Int, error) {
	if err := checkHex(s, maxPublicHex); err != nil {
		return nil, fmt.Errorf("%w: %v", bad, err)
	}
	n, _ := new(big.Int).SetString(s, 16) // cannot fail: checked above
	if isZeroModN(n) {
		return nil, fmt.Errorf("%w: value mod N is 0", bad)
	}
	return n, nil
}

// checkHex accepts 1..max hex digits and nothing else; big.Int.SetString alone would also take a
// sign.
func checkHex(s string, max int) error {
	switch {
	case s == "":
		return errors.New("empty")
	case len(s) > max:
		return fmt.Errorf("longer than %d hex digits", max)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return errors.New("not hexadecimal")
		}
	}
	return nil
}

func isZeroModN(n *big.Int) bool { return new(big.Int).Mod(n, prime).Sign() == 0 }

// hashInt is H(parts...) read as an unsigned integer (k, u and x all are).
func hashInt(parts ...[]byte) *big.Int {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return new(big.Int).SetBytes(h.Sum(nil))
}

// scramble is u = H(PAD(A) || PAD(B)).
func scramble(A, B *big.Int) *big.Int { return hashInt(Pad(A), Pad(B)) }

// passwordExponent is x = H(PAD(salt) || H(poolName || userID || ":" || password)). The inner hash
// enters as its 32 raw bytes, not PAD'ed.
func passwordExponent(salt []byte, poolName, userID, password string) *big.Int {
	inner := sha256.Sum256([]byte(poolName + userID + ":" + password))
	return hashInt(Pad(new(big.Int).SetBytes(salt)), inner[:])
}

// sessionKey derives K from the shared secret. The JavaScript client's "computehkdf" is plain RFC
// 5869 HKDF-SHA256 with salt PAD(u), input PAD(S) and one output block cut to 16 bytes.
func sessionKey(S, u *big.Int) []byte {
	key, err := hkdf.Key(sha256.New, Pad(S), Pad(u), hkdfInfo, sessionKeyBytes)
	if err != nil {
		panic("srp: hkdf: " + err.Error()) // only for lengths beyond 255 blocks
	}
	return key
}

func mustHexInt(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("srp: bad constant")
	}
	return n
}

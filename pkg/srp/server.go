package srp

import (
	"errors"
	"io"
	"math/big"
)

// serverSecretBytes is the size of b: 256 bits, the floor PWD-07 sets. Guessing a 256-bit exponent
// costs about 2^128 (Pollard's lambda), on par with the ~128-bit strength of a 3072-bit group;
// RFC 3526 suggests 260–400 bits, and each extra bit costs linear modexp time on every sign-in.
const serverSecretBytes = 32

// maxDraws bounds the retries for an unusable b, which a working random source never needs twice;
// a broken one (all zeros) must fail rather than loop.
const maxDraws = 8

// ServerStep is the server's half of the first SRP round (InitiateAuth, or DEVICE_SRP_AUTH).
// Make it with NewServerStep.
type ServerStep struct {
	// B is the server's public value, sent as SRP_B = HexInt(B).
	B *big.Int
	// Secret is b, the single-use private exponent. It never leaves the server in clear: a
	// stateless server seals it (with A and B) into SECRET_BLOCK and hands it back to
	// ServerSessionKey when the client answers.
	Secret *big.Int

	v *big.Int
}

// NewServerStep draws b (32 random bytes) and computes B = (k·v + g^b) mod N for the stored
// verifier, drawing again in the (practically impossible) case b = 0 or B mod N = 0.
func NewServerStep(r io.Reader, verifier []byte) (*ServerStep, error) {
	v, err := verifierInt(verifier)
	if err != nil {
		return nil, err
	}
	kv := new(big.Int).Mul(multiplier, v)
	buf := make([]byte, serverSecretBytes)
	for range maxDraws {
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		b := new(big.Int).SetBytes(buf)
		if b.Sign() == 0 {
			continue
		}
		B := new(big.Int).Exp(generator, b, prime)
		B.Add(B, kv).Mod(B, prime)
		if B.Sign() == 0 {
			continue
		}
		return &ServerStep{B: B, Secret: b, v: v}, nil
	}
	return nil, errors.New("srp: random source keeps producing unusable values")
}

// SessionKey is ServerSessionKey for a server that kept its ServerStep.
func (s *ServerStep) SessionKey(A *big.Int) ([]byte, error) { return serverKey(A, s.B, s.Secret, s.v) }

// ServerSessionKey computes the 16-byte session key K from the client's A, the B and b of
// NewServerStep, and the stored verifier: u = H(PAD(A) || PAD(B)), S = (A·v^u)^b mod N,
// K = HKDF(PAD(S), PAD(u)). B and b are trusted (they must come back from the server's own sealed
// state); A is checked again. Errors: ErrBadA (A mod N = 0), ErrBadU (u = 0), ErrBadVerifier.
func ServerSessionKey(A, B, b *big.Int, verifier []byte) ([]byte, error) {
	v, err := verifierInt(verifier)
	if err != nil {
		return nil, err
	}
	return serverKey(A, B, b, v)
}

func serverKey(A, B, b, v *big.Int) ([]byte, error) {
	if A.Sign() < 0 || isZeroModN(A) {
		return nil, ErrBadA
	}
	return serverKeyWithU(A, b, v, scramble(A, B))
}

// serverKeyWithU is split out so that tests can reach the u = 0 branch, which no findable A and B
// trigger.
func serverKeyWithU(A, b, v, u *big.Int) ([]byte, error) {
	if u.Sign() == 0 {
		return nil, ErrBadU
	}
	return sessionKey(serverPremaster(A, b, v, u), u), nil
}

// serverPremaster is the shared secret S = (A·v^u)^b mod N.
func serverPremaster(A, b, v, u *big.Int) *big.Int {
	S := new(big.Int).Exp(v, u, prime)
	S.Mul(S, A).Mod(S, prime)
	return S.Exp(S, b, prime)
}

package srp

import (
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
)

// clientSecretBytes is the size of a: amazon-cognito-identity-js draws 128 random bytes and uses
// them unreduced (N is larger).
const clientSecretBytes = 128

// Client is the user's (or device's) side of one SRP exchange, mirroring amazon-cognito-identity-js
// AuthenticationHelper. Cognate serves the other side; this one drives our tests, tools and
// benchmarks. A Client is single-use.
type Client struct {
	a, A *big.Int
}

// Challenge holds the PASSWORD_VERIFIER (or DEVICE_PASSWORD_VERIFIER) parameters a client needs,
// as they arrive on the wire.
type Challenge struct {
	Salt        string // SALT, hex
	B           string // SRP_B, hex
	SecretBlock string // SECRET_BLOCK, base64; echoed as PASSWORD_CLAIM_SECRET_BLOCK
}

// NewClient draws a from 128 random bytes and computes A = g^a mod N.
func NewClient(r io.Reader) (*Client, error) {
	buf := make([]byte, clientSecretBytes)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	a := new(big.Int).SetBytes(buf)
	return &Client{a: a, A: new(big.Int).Exp(generator, a, prime)}, nil
}

// SRPA is the SRP_A parameter: A in lowercase hex without leading zeros, as the JavaScript client
// sends it.
func (c *Client) SRPA() string { return HexInt(c.A) }

// PasswordClaim computes PASSWORD_CLAIM_SIGNATURE (standard base64) for the challenge. poolName
// and userID are PoolName(poolID) and USER_ID_FOR_SRP, or the DeviceGroupKey and DeviceKey for
// device SRP; password is the user's password or the device password. timestamp is sent as
// TIMESTAMP; FormatTimestamp(time.Now()) is what the JavaScript client sends.
func (c *Client) PasswordClaim(poolName, userID, password string, ch Challenge, timestamp string) (string, error) {
	salt, err := ParseSalt(ch.Salt)
	if err != nil {
		return "", err
	}
	B, err := parsePublic(ch.B, ErrBadB)
	if err != nil {
		return "", err
	}
	secretBlock, err := base64.StdEncoding.DecodeString(ch.SecretBlock)
	if err != nil {
		return "", fmt.Errorf("srp: SECRET_BLOCK: %w", err)
	}
	key, err := c.SessionKey(poolName, userID, password, salt, B)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(Signature(key, poolName, userID, secretBlock, timestamp)), nil
}

// SessionKey computes the 16-byte session key as AuthenticationHelper.getPasswordAuthenticationKey
// does. Errors: ErrBadB (B mod N = 0), ErrBadU (u = 0).
func (c *Client) SessionKey(poolName, userID, password string, salt []byte, B *big.Int) ([]byte, error) {
	if B.Sign() < 0 || isZeroModN(B) {
		return nil, ErrBadB
	}
	return c.keyWithU(B, scramble(c.A, B), passwordExponent(salt, poolName, userID, password))
}

// keyWithU is split out so that tests can reach the u = 0 branch.
func (c *Client) keyWithU(B, u, x *big.Int) ([]byte, error) {
	if u.Sign() == 0 {
		return nil, ErrBadU
	}
	return sessionKey(c.premaster(B, u, x), u), nil
}

// premaster is the shared secret S = (B - k·g^x)^(a + u·x) mod N. The JavaScript client
// exponentiates the possibly negative B - k·g^x; reducing it mod N first gives the same S.
func (c *Client) premaster(B, u, x *big.Int) *big.Int {
	base := new(big.Int).Exp(generator, x, prime)
	base.Mul(base, multiplier).Sub(B, base).Mod(base, prime) // Mod is Euclidean: never negative
	exp := new(big.Int).Mul(u, x)
	exp.Add(exp, c.a)
	return base.Exp(base, exp, prime)
}

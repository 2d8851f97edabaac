package token

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/signer"
)

var (
	// ErrInvalid: the token is not a genuine, valid token of this pool for this use: malformed,
	// badly signed, signed by another pool's key, wrong issuer/use/client, or issued in the
	// future. Includes tokens that are also expired (checklist JWT-04).
	ErrInvalid = errors.New("token: invalid")
	// ErrExpired: the token is genuine and otherwise valid, but past exp (+ leeway).
	ErrExpired = errors.New("token: expired")
)

const (
	// MaxTokenSize: longer inputs are refused before any parsing (JWT-05). Cognito's tokens with
	// every attribute and 100 groups stay well below it.
	MaxTokenSize = 8 << 10
	// MaxLeeway caps the clock-skew allowance (JWT-03); a larger Expect.Leeway is reduced to it.
	MaxLeeway = 60 * time.Second
)

// Expect is what the caller requires of a token.
type Expect struct {
	Issuer   string // exact iss, {base}/{poolId}
	PoolID   string // whose keys may have signed it
	TokenUse string // UseAccess or UseID
	ClientID string // when set, client_id (access) or aud (ID) must equal it
	Leeway   time.Duration
}

// Verify checks raw and returns its claims. Errors: ErrInvalid, ErrExpired (both wrapped with a
// reason for logs; never show the reason to clients), or, when the keys cannot be read or want is
// malformed, another error that callers must treat as a server failure (never as success).
//
// The returned Claims may be shared with other calls that present the same token (see
// verifiedCache): callers must not modify them.
func (i *Issuer) Verify(ctx context.Context, raw string, want Expect) (*Claims, error) {
	// Shape first, before any allocation proportional to the input: a 1 MB string of dots costs
	// one length comparison.
	if len(raw) > MaxTokenSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrInvalid, len(raw))
	}
	if e := i.verified.get(raw); e != nil && e.poolID == want.PoolID {
		if c, err := i.verifyCached(ctx, raw, e, want); err != errNotCached {
			return c, err
		}
	}
	if strings.Count(raw, ".") != 2 {
		return nil, fmt.Errorf("%w: not a three-part JWS", ErrInvalid)
	}
	// Only the base64url alphabet between the dots. Go's base64 decoder skips CR and LF even in
	// strict mode; without this, a newline slipped into the signature would make a second
	// string that verifies as the same token.
	if strings.IndexFunc(raw, func(r rune) bool { return !isB64URL(r) && r != '.' }) >= 0 {
		return nil, fmt.Errorf("%w: character outside base64url", ErrInvalid)
	}
	if err := checkExpect(&want); err != nil {
		return nil, err
	}
	h64, rest, _ := strings.Cut(raw, ".")
	p64, s64, _ := strings.Cut(rest, ".")

	kid, err := parseHeader(h64)
	if err != nil {
		return nil, err
	}
	sig, err := decodeSegment(s64)
	if err != nil {
		return nil, fmt.Errorf("%w: signature encoding", ErrInvalid)
	}

	// The key: only this pool's, only for this use. Nothing is ever fetched from the token.
	keys, err := i.signer.PublicKeys(ctx, want.PoolID)
	if err != nil {
		return nil, fmt.Errorf("token: loading keys of pool %s: %w", want.PoolID, err)
	}
	var key *rsa.PublicKey
	for _, k := range keys {
		if k.Kid == kid {
			if k.Use != signer.KeyUse(want.TokenUse) {
				return nil, fmt.Errorf("%w: kid belongs to the %s key", ErrInvalid, k.Use)
			}
			key = k.Key
			break
		}
	}
	if key == nil {
		return nil, fmt.Errorf("%w: unknown kid", ErrInvalid)
	}

	// Signature before any claim (JWT-04).
	digest := sha256.Sum256([]byte(raw[:len(h64)+1+len(p64)]))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig); err != nil {
		return nil, fmt.Errorf("%w: bad signature", ErrInvalid)
	}

	payload, err := decodeSegment(p64)
	if err != nil {
		return nil, fmt.Errorf("%w: payload encoding", ErrInvalid)
	}
	c, err := parseClaims(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	now := i.clk.Now()
	if err := checkClaims(c, &want, now); err != nil {
		return nil, err
	}
	i.verified.put(raw, &verifiedToken{poolID: want.PoolID, kid: kid, use: signer.KeyUse(want.TokenUse), key: key,
		claims: c, drop: c.ExpiresAt.Add(MaxLeeway)}, now)
	return c, nil
}

// errNotCached: verifyCached cannot answer; the caller verifies in full.
var errNotCached = errors.New("token: not answered from the cache")

// verifyCached answers for a token whose signature was verified before (e), or returns
// errNotCached when the cache cannot answer: its key is no longer published for that use, or the
// entry is past its token's life. The full check then gives the answer and its reason.
// Everything but the signature and the claim parsing is checked again here, by the same code as
// a full verification.
func (i *Issuer) verifyCached(ctx context.Context, raw string, e *verifiedToken, want Expect) (*Claims, error) {
	if err := checkExpect(&want); err != nil {
		return nil, err
	}
	if e.use != signer.KeyUse(want.TokenUse) {
		return nil, errNotCached // the full check says "kid belongs to the … key"
	}
	keys, err := i.signer.PublicKeys(ctx, want.PoolID)
	if err != nil {
		return nil, fmt.Errorf("token: loading keys of pool %s: %w", want.PoolID, err)
	}
	now := i.clk.Now()
	if !e.stillPublished(keys) || !now.Before(e.drop) {
		i.verified.remove(raw, e)
		return nil, errNotCached
	}
	if err := checkClaims(e.claims, &want, now); err != nil {
		return nil, err
	}
	return e.claims, nil
}

// checkClaims judges verified claims against want at now. want has passed checkExpect.
func checkClaims(c *Claims, want *Expect, now time.Time) error {
	if c.Issuer != want.Issuer {
		return fmt.Errorf("%w: issuer", ErrInvalid)
	}
	if c.TokenUse != want.TokenUse {
		return fmt.Errorf("%w: token_use %s, want %s", ErrInvalid, c.TokenUse, want.TokenUse)
	}
	if want.ClientID != "" && c.ClientID != want.ClientID {
		return fmt.Errorf("%w: client", ErrInvalid)
	}
	if c.IssuedAt.After(now.Add(want.Leeway)) {
		return fmt.Errorf("%w: issued in the future", ErrInvalid)
	}
	if nbf, ok := c.Attributes["nbf"]; ok { // we never issue nbf; honour it if present (ASVS 9.2.1)
		n, isNum := nbf.(json.Number)
		v, err := n.Int64()
		if !isNum || err != nil || time.Unix(v, 0).After(now.Add(want.Leeway)) {
			return fmt.Errorf("%w: not yet valid", ErrInvalid)
		}
	}
	if !c.ExpiresAt.After(c.IssuedAt) {
		return fmt.Errorf("%w: exp not after iat", ErrInvalid)
	}
	// Last: only a token that passed everything else may be called expired.
	if !now.Before(c.ExpiresAt.Add(want.Leeway)) {
		return fmt.Errorf("%w at %s", ErrExpired, c.ExpiresAt.Format(time.RFC3339))
	}
	return nil
}

// checkExpect rejects a malformed expectation: that is the caller's bug, not the token's.
func checkExpect(want *Expect) error {
	if want.TokenUse != UseAccess && want.TokenUse != UseID {
		return fmt.Errorf("token: Expect.TokenUse %q is neither %q nor %q", want.TokenUse, UseAccess, UseID)
	}
	if want.PoolID == "" || !strings.HasSuffix(want.Issuer, "/"+want.PoolID) {
		return errors.New("token: Expect.Issuer must be {base}/{PoolID}")
	}
	want.Leeway = min(max(want.Leeway, 0), MaxLeeway)
	return nil
}

// parseHeader accepts exactly {"kid":"…","alg":"RS256"} in either member order and nothing else:
// no other alg (none, HS*, RS512, PS*, ES*), and no other member, which rules out jku, jwk, x5u,
// x5c, crit, zip, cty and typ in one rule (JWT-02). The kid must have our shape.
func parseHeader(h64 string) (string, error) {
	hb, err := decodeSegment(h64)
	if err != nil {
		return "", fmt.Errorf("%w: header encoding", ErrInvalid)
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(hb, &h); err != nil {
		return "", fmt.Errorf("%w: header is not a JSON object", ErrInvalid)
	}
	if len(h) != 2 {
		return "", fmt.Errorf("%w: header members other than alg and kid", ErrInvalid)
	}
	if alg, err := jsonString(h["alg"]); err != nil || alg != "RS256" {
		return "", fmt.Errorf("%w: alg", ErrInvalid)
	}
	kid, err := jsonString(h["kid"])
	if err != nil || !signer.ValidKid(kid) {
		return "", fmt.Errorf("%w: kid", ErrInvalid)
	}
	return kid, nil
}

// decodeSegment is strict base64url without padding: one encoding per byte string, so a token
// cannot be re-encoded into a different string that still verifies.
func decodeSegment(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty segment")
	}
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

func isB64URL(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}

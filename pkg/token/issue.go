package token

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/signer"
)

// DefaultScope is the scope of access tokens from the API flows (InitiateAuth and friends).
const DefaultScope = "aws.cognito.signin.user.admin"

// Token lifetimes Cognito allows for ID and access tokens (protocol §6.5).
const (
	DefaultTTL = time.Hour
	MinTTL     = 5 * time.Minute
	MaxTTL     = 24 * time.Hour
)

// Issuer issues and verifies a pool's ID and access tokens. It is safe for concurrent use.
type Issuer struct {
	signer signer.Signer
	clk    clock.Clock

	randMu sync.Mutex
	rand   io.Reader

	verified *verifiedCache // tokens Verify has checked the signature of (verifycache.go)
}

// NewIssuer returns an Issuer signing through s. clk sets iat/exp and judges expiry; r supplies
// the UUIDs (jti, event_id, origin_jti) and is read under a lock; nil means crypto/rand.Reader.
// Verify's cache of accepted tokens (verifycache.go) belongs to the Issuer.
func NewIssuer(s signer.Signer, clk clock.Clock, r io.Reader) *Issuer {
	if r == nil {
		r = rand.Reader
	}
	return &Issuer{signer: s, clk: clk, rand: r, verified: newVerifiedCache(maxVerifiedBytes)}
}

// IssueInput is everything a token pair says. The caller (the service) has already decided the
// user may have tokens and which attributes the client may read.
type IssueInput struct {
	Issuer   string // {base}/{poolId}, exactly as the discovery document says
	PoolID   string
	ClientID string
	Subject  string // the user's sub
	Username string // the internal username (cognito:username / username)
	Groups   []string
	Scope    string    // access token scope; "" means DefaultScope
	AuthTime time.Time // the original sign-in; a refresh keeps it
	// OriginJTI is the lineage id: "" on a fresh sign-in (a new UUID is made; read it back from
	// Tokens.AccessClaims.OriginJTI to store with the refresh token), the stored value on refresh.
	OriginJTI string
	// EventID identifies the authentication event; "" makes a new UUID.
	EventID string
	// AccessTTL and IDTTL: 0 means DefaultTTL; otherwise between MinTTL and MaxTTL.
	AccessTTL time.Duration
	IDTTL     time.Duration
	DeviceKey string // access token device_key, for device sign-ins
	// AccessVersion is the access token's "version" claim (2 for OAuth-issued tokens); 0 omits it.
	AccessVersion int
	// IDClaims are the user attributes the client may read, already typed: strings, booleans for
	// *_verified, a number for updated_at, objects for address/identities. They may not name a
	// claim the issuer sets itself.
	IDClaims map[string]any
	// AccessClaims are extra access-token claims (a pre-token-generation trigger's, V2_0 and
	// later); the same rule as IDClaims holds.
	AccessClaims map[string]any
	// Nonce (hosted UI, from the authorize request) goes into the ID token when set.
	Nonce string
	// AtHash adds at_hash (the OIDC access-token hash) to the ID token, as the hosted UI does.
	AtHash bool
	// SkipIDToken issues the access token only (e.g. a refresh without the openid scope).
	SkipIDToken bool
	// ClientCredentials issues a client_credentials (machine-to-machine) access token, as
	// Cognito does: Subject is the client id, no Username, Groups, DeviceKey, OriginJTI or
	// EventID, no ID token (SkipIDToken is implied).
	ClientCredentials bool
}

// Tokens is what Issue produces.
type Tokens struct {
	IDToken      string // "" when IssueInput.SkipIDToken
	AccessToken  string
	IDClaims     *Claims // nil when IssueInput.SkipIDToken
	AccessClaims *Claims
	ExpiresIn    int // access token lifetime in seconds (the API's ExpiresIn)
}

// Issue builds and signs a token pair. Any signer error (an unavailable key, a KMS outage) fails
// the whole issue: no token is ever produced some other way (KMS-01).
func (i *Issuer) Issue(ctx context.Context, in IssueInput) (Tokens, error) {
	accessTTL, idTTL, err := checkInput(&in)
	if err != nil {
		return Tokens{}, err
	}
	// Whole seconds: the claims carry seconds, and Claims should say exactly what the token says.
	now := time.Unix(i.clk.Now().Unix(), 0).UTC()
	authTime := time.Unix(in.AuthTime.Unix(), 0).UTC()
	ids, err := i.uuids(4)
	if err != nil {
		return Tokens{}, err
	}
	if in.ClientCredentials {
		in.SkipIDToken = true
	} else {
		if in.OriginJTI == "" {
			in.OriginJTI = ids[2]
		}
		if in.EventID == "" {
			in.EventID = ids[3]
		}
	}
	access := &Claims{
		TokenUse:   UseAccess,
		Subject:    in.Subject,
		Issuer:     in.Issuer,
		ClientID:   in.ClientID,
		Username:   in.Username,
		Scope:      in.Scope,
		JTI:        ids[0],
		OriginJTI:  in.OriginJTI,
		EventID:    in.EventID,
		AuthTime:   authTime,
		IssuedAt:   now,
		ExpiresAt:  now.Add(accessTTL),
		Groups:     in.Groups,
		DeviceKey:  in.DeviceKey,
		Version:    in.AccessVersion,
		Attributes: in.AccessClaims,
	}
	out := Tokens{AccessClaims: access, ExpiresIn: int(accessTTL / time.Second)}
	if out.AccessToken, err = i.sign(ctx, in.PoolID, signer.UseAccess, access); err != nil {
		return Tokens{}, err
	}
	if in.SkipIDToken {
		return out, nil
	}
	id := &Claims{
		TokenUse:   UseID,
		Subject:    in.Subject,
		Issuer:     in.Issuer,
		ClientID:   in.ClientID,
		Username:   in.Username,
		JTI:        ids[1],
		OriginJTI:  in.OriginJTI,
		EventID:    in.EventID,
		AuthTime:   authTime,
		IssuedAt:   now,
		ExpiresAt:  now.Add(idTTL),
		Groups:     in.Groups,
		Nonce:      in.Nonce,
		Attributes: in.IDClaims,
	}
	if in.AtHash {
		id.AtHash = atHash(out.AccessToken)
	}
	if out.IDToken, err = i.sign(ctx, in.PoolID, signer.UseID, id); err != nil {
		return Tokens{}, err
	}
	out.IDClaims = id
	return out, nil
}

// checkInput validates in, fills defaults, and returns the two lifetimes.
func checkInput(in *IssueInput) (accessTTL, idTTL time.Duration, err error) {
	var problems []string
	if in.PoolID == "" || !strings.HasSuffix(in.Issuer, "/"+in.PoolID) ||
		!(strings.HasPrefix(in.Issuer, "https://") || strings.HasPrefix(in.Issuer, "http://")) {
		problems = append(problems, "Issuer must be an http(s) URL ending in /PoolID")
	}
	switch {
	case in.ClientCredentials:
		if in.ClientID == "" || in.Subject != in.ClientID {
			problems = append(problems, "a client_credentials token needs ClientID, and Subject equal to it")
		}
		if in.Username != "" || len(in.Groups) > 0 || in.DeviceKey != "" || in.OriginJTI != "" || in.EventID != "" || in.Nonce != "" || in.AtHash || len(in.IDClaims) > 0 {
			problems = append(problems, "a client_credentials token has no user: no Username, Groups, DeviceKey, OriginJTI, EventID, Nonce, AtHash or IDClaims")
		}
	case in.ClientID == "" || in.Subject == "" || in.Username == "":
		problems = append(problems, "ClientID, Subject and Username are required")
	}
	if in.AuthTime.IsZero() {
		problems = append(problems, "AuthTime is required (the original sign-in time)")
	}
	if in.Scope == "" && !in.ClientCredentials { // a machine never gets the user's API scope
		in.Scope = DefaultScope
	}
	ttl := func(name string, d time.Duration) time.Duration {
		switch {
		case d == 0:
			return DefaultTTL
		case d < MinTTL || d > MaxTTL || d%time.Second != 0:
			problems = append(problems, fmt.Sprintf("%s %v outside %v..%v (whole seconds)", name, d, MinTTL, MaxTTL))
		}
		return d
	}
	accessTTL, idTTL = ttl("AccessTTL", in.AccessTTL), ttl("IDTTL", in.IDTTL)
	for k := range in.IDClaims {
		if reservedClaim(UseID, k) {
			problems = append(problems, fmt.Sprintf("IDClaims may not set %q", k))
		}
	}
	for k := range in.AccessClaims {
		if reservedClaim(UseAccess, k) {
			problems = append(problems, fmt.Sprintf("AccessClaims may not set %q", k))
		}
	}
	if len(problems) > 0 {
		return 0, 0, fmt.Errorf("token: bad IssueInput: %s", strings.Join(problems, "; "))
	}
	return accessTTL, idTTL, nil
}

// sign encodes c and signs it. The kid is part of the signed header, so it must be known first:
// ask the signer which key is current, build the input, sign, and check the signer used that key.
// The two can differ only if a rotation took effect in between; then build again, once.
func (i *Issuer) sign(ctx context.Context, poolID string, use signer.KeyUse, c *Claims) (string, error) {
	payload, err := c.MarshalJSON()
	if err != nil {
		return "", err
	}
	body := b64(payload)
	for range 2 {
		kid, err := i.signer.ActiveKid(ctx, poolID, use)
		if err != nil {
			return "", fmt.Errorf("token: %s key of pool %s: %w", use, poolID, err)
		}
		if !signer.ValidKid(kid) {
			return "", fmt.Errorf("token: signer returned an unusable kid %q", kid)
		}
		input := b64(header(kid)) + "." + body
		used, sig, err := i.signer.Sign(ctx, poolID, use, []byte(input))
		if err != nil {
			return "", fmt.Errorf("token: signing %s token for pool %s: %w", use, poolID, err)
		}
		if used == kid {
			return input + "." + b64(sig), nil
		}
	}
	return "", errors.New("token: signer switched keys twice while signing")
}

// header is Cognito's JWS header, byte for byte: kid first, alg second, no typ.
func header(kid string) []byte {
	k, _ := json.Marshal(kid) // kid is [A-Za-z0-9_-]: nothing to escape
	return []byte(`{"kid":` + string(k) + `,"alg":"RS256"}`)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// atHash is OIDC Core §3.1.3.6: base64url of the left half of SHA-256 of the access token.
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return b64(sum[:len(sum)/2])
}

// uuids returns n random (version 4) UUIDs.
func (i *Issuer) uuids(n int) ([]string, error) {
	buf := make([]byte, 16*n)
	i.randMu.Lock()
	_, err := io.ReadFull(i.rand, buf)
	i.randMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("token: reading random source: %w", err)
	}
	out := make([]string, n)
	for j := range out {
		out[j] = formatUUID(buf[16*j : 16*j+16])
	}
	return out, nil
}

func formatUUID(b []byte) string {
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

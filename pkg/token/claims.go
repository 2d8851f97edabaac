package token

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// Token uses, the value of the token_use claim.
const (
	UseAccess = "access"
	UseID     = "id"
)

// Claims is the claim set of an ID or access token. Which fields appear depends on TokenUse,
// as in Cognito (protocol §6.2–6.3).
type Claims struct {
	TokenUse string // "access" or "id"
	Subject  string // sub: the user's immutable UUID
	Issuer   string // iss: {base}/{poolId}
	// ClientID is the app client: client_id in access tokens, aud in ID tokens.
	ClientID string
	// Username is the internal username: username in access tokens, cognito:username in ID tokens.
	// Client_credentials access tokens have none.
	Username  string
	Scope     string // access only
	JTI       string // this token's UUID
	OriginJTI string // UUID of the original sign-in, shared by the whole refresh lineage
	EventID   string // UUID of the authentication event, shared by the paired ID and access tokens
	AuthTime  time.Time
	IssuedAt  time.Time
	ExpiresAt time.Time
	Groups    []string // cognito:groups, by precedence; omitted when empty
	DeviceKey string   // access only; omitted when empty
	Version   int      // access only: "version" (2 in OAuth-issued tokens); omitted when 0
	Nonce     string   // ID only (hosted UI); omitted when empty
	AtHash    string   // ID only (hosted UI); omitted when empty
	// Attributes holds every other claim: in ID tokens the user's attributes (email,
	// email_verified as a boolean, updated_at as a number, custom:*, address, identities …).
	// Verify decodes numbers as json.Number.
	Attributes map[string]any
}

// MarshalJSON renders the token payload: claims in Cognito's order, attributes after them in
// key order. Claims that Cognito omits when empty are omitted.
func (c Claims) MarshalJSON() ([]byte, error) {
	w := &objectWriter{}
	w.buf.WriteByte('{')
	switch c.TokenUse {
	case UseAccess:
		w.str("sub", c.Subject)
		w.optStr("device_key", c.DeviceKey)
		w.groups(c.Groups)
		w.str("iss", c.Issuer)
		if c.Version != 0 {
			w.value("version", c.Version)
		}
		w.str("client_id", c.ClientID)
		w.optStr("origin_jti", c.OriginJTI)
		w.optStr("event_id", c.EventID)
		w.str("token_use", c.TokenUse)
		w.str("scope", c.Scope)
		w.time("auth_time", c.AuthTime)
		w.time("exp", c.ExpiresAt)
		w.time("iat", c.IssuedAt)
		w.str("jti", c.JTI)
		w.optStr("username", c.Username) // none in client_credentials tokens
	case UseID:
		w.optStr("at_hash", c.AtHash)
		w.str("sub", c.Subject)
		w.groups(c.Groups)
		w.str("iss", c.Issuer)
		w.str("cognito:username", c.Username)
		w.optStr("nonce", c.Nonce)
		w.optStr("origin_jti", c.OriginJTI)
		w.str("aud", c.ClientID)
		w.optStr("event_id", c.EventID)
		w.str("token_use", c.TokenUse)
		w.time("auth_time", c.AuthTime)
		w.time("exp", c.ExpiresAt)
		w.time("iat", c.IssuedAt)
		w.str("jti", c.JTI)
	default:
		return nil, fmt.Errorf("token: unknown token_use %q", c.TokenUse)
	}
	keys := make([]string, 0, len(c.Attributes))
	for k := range c.Attributes {
		if reservedClaim(c.TokenUse, k) {
			return nil, fmt.Errorf("token: attribute %q would override a claim the issuer sets", k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w.value(k, c.Attributes[k])
	}
	w.buf.WriteByte('}')
	return w.buf.Bytes(), w.err
}

// knownClaims are the claims Claims has fields for, per token use. Anything else is an attribute.
var knownClaims = map[string]map[string]bool{
	UseAccess: set("sub", "device_key", "cognito:groups", "iss", "version", "client_id", "origin_jti",
		"event_id", "token_use", "scope", "auth_time", "exp", "iat", "jti", "username"),
	UseID: set("at_hash", "sub", "cognito:groups", "iss", "cognito:username", "nonce", "origin_jti",
		"aud", "event_id", "token_use", "auth_time", "exp", "iat", "jti"),
}

// protectedClaims are registered claims we never issue but verifiers act on; an attribute must
// not smuggle them in (nbf would change validity, azp/acr/amr would change meaning).
var protectedClaims = set("nbf", "azp", "acr", "amr")

func reservedClaim(use, name string) bool { return knownClaims[use][name] || protectedClaims[name] }

// Reserved tells whether a token of use (UseID, UseAccess) sets claim name itself, or a verifier
// acts on it: no attribute and no pre-token-generation trigger may set or remove it.
func Reserved(use, name string) bool { return reservedClaim(use, name) }

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// objectWriter writes one JSON object field by field, keeping the order it is given.
type objectWriter struct {
	buf bytes.Buffer
	n   int
	err error
}

func (w *objectWriter) value(k string, v any) {
	if w.err != nil {
		return
	}
	var vb bytes.Buffer
	enc := json.NewEncoder(&vb)
	enc.SetEscapeHTML(false) // valid either way; unescaped matches what Cognito sends
	if err := enc.Encode(v); err != nil {
		w.err = fmt.Errorf("token: claim %q: %w", k, err)
		return
	}
	if w.n > 0 {
		w.buf.WriteByte(',')
	}
	w.n++
	kb, _ := json.Marshal(k)
	w.buf.Write(kb)
	w.buf.WriteByte(':')
	w.buf.Write(bytes.TrimSuffix(vb.Bytes(), []byte("\n")))
}

func (w *objectWriter) str(k, v string) { w.value(k, v) }

func (w *objectWriter) optStr(k, v string) {
	if v != "" {
		w.value(k, v)
	}
}

func (w *objectWriter) time(k string, t time.Time) { w.value(k, t.Unix()) }

func (w *objectWriter) groups(g []string) {
	if len(g) > 0 {
		w.value("cognito:groups", g)
	}
}

// errClaims is wrapped into ErrInvalid by Verify.
var errClaims = errors.New("malformed claims")

// parseClaims decodes a payload strictly: each known claim must have its exact JSON type
// (strings are strings, times are integers, groups are an array of strings, null is never a
// value), and the claims every Cognate token carries must be present.
func parseClaims(payload []byte) (*Claims, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(payload, &m); err != nil || m == nil {
		return nil, fmt.Errorf("%w: payload is not a JSON object", errClaims)
	}
	c := &Claims{}
	var err error
	if c.TokenUse, err = jsonString(m["token_use"]); err != nil || knownClaims[c.TokenUse] == nil {
		return nil, fmt.Errorf("%w: token_use", errClaims)
	}
	required := []string{"sub", "iss", "token_use", "auth_time", "iat", "exp", "jti"}
	if c.TokenUse == UseAccess {
		// A client_credentials token has no user, so no username (ClientCredentials).
		required = append(required, "client_id", "scope")
		if _, ok := m["username"]; !ok && !bytes.Equal(m["sub"], m["client_id"]) {
			return nil, fmt.Errorf("%w: username missing", errClaims)
		}
	} else {
		required = append(required, "aud", "cognito:username")
	}
	for _, k := range required {
		if _, ok := m[k]; !ok {
			return nil, fmt.Errorf("%w: %s missing", errClaims, k)
		}
	}
	for k, raw := range m {
		if !knownClaims[c.TokenUse][k] {
			var v any
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			if err := dec.Decode(&v); err != nil {
				return nil, fmt.Errorf("%w: %s", errClaims, k)
			}
			if c.Attributes == nil {
				c.Attributes = make(map[string]any)
			}
			c.Attributes[k] = v
			continue
		}
		switch k {
		case "token_use":
		case "sub":
			c.Subject, err = jsonString(raw)
		case "iss":
			c.Issuer, err = jsonString(raw)
		case "client_id", "aud":
			c.ClientID, err = jsonString(raw)
		case "username", "cognito:username":
			c.Username, err = jsonString(raw)
		case "scope":
			c.Scope, err = jsonString(raw)
		case "jti":
			c.JTI, err = jsonString(raw)
		case "origin_jti":
			c.OriginJTI, err = jsonString(raw)
		case "event_id":
			c.EventID, err = jsonString(raw)
		case "device_key":
			c.DeviceKey, err = jsonString(raw)
		case "nonce":
			c.Nonce, err = jsonString(raw)
		case "at_hash":
			c.AtHash, err = jsonString(raw)
		case "auth_time":
			c.AuthTime, err = jsonTime(raw)
		case "iat":
			c.IssuedAt, err = jsonTime(raw)
		case "exp":
			c.ExpiresAt, err = jsonTime(raw)
		case "version":
			var n int64
			n, err = jsonInt(raw)
			c.Version = int(n)
		case "cognito:groups":
			c.Groups, err = jsonStrings(raw)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s", errClaims, k)
		}
	}
	if c.Subject == "" || c.Issuer == "" || c.ClientID == "" || c.JTI == "" || (c.Username == "" && !c.ClientCredentials()) {
		return nil, fmt.Errorf("%w: empty identifying claim", errClaims)
	}
	return c, nil
}

// ClientCredentials tells whether the claims are a client_credentials access token's: no user,
// the client its own subject.
func (c *Claims) ClientCredentials() bool {
	return c.TokenUse == UseAccess && c.Username == "" && c.Subject == c.ClientID
}

func jsonString(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", errClaims
	}
	var s string
	return s, json.Unmarshal(raw, &s)
}

func jsonStrings(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || raw[0] != '[' {
		return nil, errClaims
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, err
	}
	out := make([]string, len(items))
	for i, it := range items {
		s, err := jsonString(it)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// jsonInt accepts a JSON integer only: no fraction, no exponent, no quotes.
func jsonInt(raw json.RawMessage) (int64, error) {
	s := string(raw)
	if s == "" || len(s) > 19 {
		return 0, errClaims
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && !(i == 0 && s[i] == '-' && len(s) > 1) {
			return 0, errClaims
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

func jsonTime(raw json.RawMessage) (time.Time, error) {
	n, err := jsonInt(raw)
	if err != nil || n < 0 {
		return time.Time{}, errClaims
	}
	return time.Unix(n, 0).UTC(), nil
}

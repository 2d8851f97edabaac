// Package sigv4 verifies AWS Signature Version 4 on the Cognito admin operations, the way AWS
// front ends do, against access keys that Cognate issues (as S3-compatible servers do). It owns
// the canonical request, the signing-key derivation and the error wording clients and people
// expect; it answers with pkg/cognito errors, and *Verifier is a cognito.AdminAuthenticator.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/cognito"
)

const (
	algorithm  = "AWS4-HMAC-SHA256"
	terminator = "aws4_request"
	amzDateFmt = "20060102T150405Z"
	// MaxSkew is how far the signing time may be from the server's clock, as at AWS.
	MaxSkew = 5 * time.Minute
)

// Verifier checks SigV4-signed requests.
type Verifier struct {
	// Keys maps access key ids to secret keys. Empty means development mode: any well-formed,
	// current signature is accepted without checking the key or the signature itself.
	Keys map[string]string
	// Clock tells the time for the skew check; nil means time.Now.
	Clock func() time.Time
	// Service is the service in the credential scope; empty means "cognito-idp".
	Service string
	// HostHeader names a request header holding the host the client signed, for origins behind a
	// router that rewrites Host (e.g. "X-Forwarded-Host"); empty, or the header absent, means r.Host.
	// Only set it when every request reaches the origin through a router that overwrites the header.
	HostHeader string
	// PathHeader does the same for the path the client signed (normally "/"), for origins that the
	// router reaches under another path (e.g. "/admin"); empty, or the header absent, means r.URL.
	PathHeader string
}

var _ cognito.AdminAuthenticator = (*Verifier)(nil)

// Authenticate verifies r's Authorization header over body. host, x-amz-date and x-amz-target
// must be among the signed headers, in development mode too. It returns nil or a *cognito.Error:
// MissingAuthenticationTokenException, IncompleteSignatureException (malformed, or a required
// header not signed),
// InvalidSignatureException (expired or wrong signature), UnrecognizedClientException (unknown key).
func (v *Verifier) Authenticate(r *http.Request, body []byte) error {
	auths := r.Header.Values("Authorization")
	if len(auths) == 0 || strings.TrimSpace(auths[0]) == "" {
		return cognito.MissingAuthenticationToken("Missing Authentication Token")
	}
	if len(auths) > 1 {
		return cognito.IncompleteSignature("Only one Authorization header is allowed.")
	}
	a, err := parseAuthorization(auths[0])
	if err != nil {
		return err
	}
	if err := v.checkScope(a); err != nil {
		return err
	}
	signed, err := v.checkDate(r, a)
	if err != nil {
		return err
	}
	if len(v.Keys) == 0 {
		return nil // development mode: well-formed and current is enough
	}
	secret, ok := v.Keys[a.accessKey]
	if !ok {
		return cognito.UnrecognizedClient("The security token included in the request is invalid.")
	}
	payloadHash, err := payloadHash(r, body)
	if err != nil {
		return err
	}
	canonical := v.canonicalRequest(r, a.signedHeaders, payloadHash)
	scope := strings.Join([]string{a.date, a.region, a.service, terminator}, "/")
	toSign := algorithm + "\n" + signed.Format(amzDateFmt) + "\n" + scope + "\n" + hexSHA256([]byte(canonical))
	key := SigningKey(secret, a.date, a.region, a.service)
	want := hmacSHA256(key, []byte(toSign))
	got, err := hex.DecodeString(a.signature)
	if err != nil || !hmac.Equal(want, got) {
		return cognito.InvalidSignature("The request signature we calculated does not match the signature you provided. " +
			"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return nil
}

func (v *Verifier) service() string {
	if v.Service == "" {
		return "cognito-idp"
	}
	return v.Service
}

func (v *Verifier) now() time.Time {
	if v.Clock == nil {
		return time.Now()
	}
	return v.Clock()
}

func (v *Verifier) checkScope(a *authorization) error {
	if a.service != v.service() {
		return cognito.IncompleteSignature("Credential should be scoped to correct service: '%s'.", v.service())
	}
	if a.terminator != terminator {
		return cognito.IncompleteSignature("Credential should be scoped with a valid terminator: 'aws4_request'.")
	}
	if !slices.Contains(a.signedHeaders, "host") {
		return cognito.IncompleteSignature("'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if !slices.Contains(a.signedHeaders, "x-amz-date") {
		// Without it the date could be replaced and an old signature replayed.
		return cognito.IncompleteSignature("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if !slices.Contains(a.signedHeaders, "x-amz-target") {
		// The body names a user, the target what to do with them: without it a signature made
		// for AdminGetUser would serve AdminDeleteUser on the same body. The SDKs and the CLI
		// always sign it.
		return cognito.IncompleteSignature("'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return nil
}

// checkDate parses X-Amz-Date, matches it to the credential scope and bounds the clock skew.
func (v *Verifier) checkDate(r *http.Request, a *authorization) (time.Time, error) {
	raw := r.Header.Get("X-Amz-Date")
	if raw == "" {
		return time.Time{}, cognito.IncompleteSignature("Authorization header requires existence of a 'X-Amz-Date' header.")
	}
	signed, err := time.Parse(amzDateFmt, raw)
	if err != nil {
		return time.Time{}, cognito.IncompleteSignature("'X-Amz-Date' must be in the ISO8601 basic format yyyyMMdd'T'HHmmss'Z'.")
	}
	if day := signed.Format("20060102"); day != a.date {
		return time.Time{}, cognito.IncompleteSignature(
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			a.date, day, raw)
	}
	now := v.now().UTC()
	switch {
	case signed.Before(now.Add(-MaxSkew)):
		return time.Time{}, cognito.InvalidSignature("Signature expired: %s is now earlier than %s (%s - 5 min.)",
			raw, now.Add(-MaxSkew).Format(amzDateFmt), now.Format(amzDateFmt))
	case signed.After(now.Add(MaxSkew)):
		return time.Time{}, cognito.InvalidSignature("Signature not yet current: %s is still later than %s (%s + 5 min.)",
			raw, now.Add(MaxSkew).Format(amzDateFmt), now.Format(amzDateFmt))
	}
	return signed, nil
}

// payloadHash is X-Amz-Content-Sha256 when sent, else the body's hash. A sent value must be the
// body's hash: otherwise the signature would cover a header and not the body it describes.
func payloadHash(r *http.Request, body []byte) (string, error) {
	sum := hexSHA256(body)
	sent := r.Header.Get("X-Amz-Content-Sha256")
	if sent == "" {
		return sum, nil
	}
	if !hmac.Equal([]byte(strings.ToLower(sent)), []byte(sum)) {
		return "", cognito.InvalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return sent, nil
}

// canonicalRequest rebuilds what the client signed, as aws-sdk-go-v2's signer builds it.
func (v *Verifier) canonicalRequest(r *http.Request, signedHeaders []string, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(v.canonicalURI(r))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.Query()))
	b.WriteByte('\n')
	for _, name := range signedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(v.headerValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// canonicalURI is the escaped path, escaped once more: SigV4 double-encodes for every service but S3.
func (v *Verifier) canonicalURI(r *http.Request) string {
	path := r.URL.EscapedPath()
	if v.PathHeader != "" {
		if p := r.Header.Get(v.PathHeader); p != "" {
			path = p
		}
	}
	if path == "" {
		path = "/"
	}
	return escapePath(path)
}

// headerValue is a signed header's canonical value: values trimmed, inner runs of spaces squeezed,
// joined by commas. Go moves Host out of r.Header and may drop Content-Length into r.ContentLength.
func (v *Verifier) headerValue(r *http.Request, name string) string {
	var values []string
	switch name {
	case "host":
		host := r.Host
		if v.HostHeader != "" {
			if h := r.Header.Get(v.HostHeader); h != "" {
				host = h
			}
		}
		values = []string{host}
	case "content-length":
		values = r.Header.Values("Content-Length")
		if len(values) == 0 && r.ContentLength > 0 {
			values = []string{itoa(r.ContentLength)}
		}
	default:
		values = r.Header.Values(name)
	}
	for i, s := range values {
		values[i] = squeezeSpaces(s)
	}
	return strings.Join(values, ",")
}

// canonicalQuery sorts by encoded key, then encoded value, with RFC 3986 encoding (space = %20).
func canonicalQuery(q url.Values) string {
	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range q {
		ek := queryEscape(k)
		for _, val := range vs {
			pairs = append(pairs, pair{ek, queryEscape(val)})
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k + "=" + p.v)
	}
	return b.String()
}

// SigningKey derives the SigV4 key for one day, region and service.
func SigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), []byte(date))
	k = hmacSHA256(k, []byte(region))
	k = hmacSHA256(k, []byte(service))
	return hmacSHA256(k, []byte(terminator))
}

func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

package sigv4

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/cognito"
)

// authorization is a parsed "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." header.
type authorization struct {
	accessKey, date, region, service, terminator string
	signedHeaders                                []string
	signature                                    string
}

func parseAuthorization(h string) (*authorization, error) {
	algo, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if algo != algorithm {
		return nil, cognito.IncompleteSignature("Unsupported Authorization type: only %s is accepted.", algorithm)
	}
	params := map[string]string{}
	for item := range strings.SplitSeq(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return nil, cognito.IncompleteSignature("Authorization header is malformed: parameters are name=value pairs separated by commas.")
		}
		if _, dup := params[k]; dup {
			return nil, cognito.IncompleteSignature("Authorization header has the '%s' parameter twice.", clip(k))
		}
		params[k] = val
	}
	var missing []string
	for _, k := range []string{"Credential", "Signature", "SignedHeaders"} {
		if params[k] == "" {
			missing = append(missing, "Authorization header requires '"+k+"' parameter.")
		}
	}
	if len(missing) > 0 {
		return nil, cognito.IncompleteSignature("%s", strings.Join(missing, " "))
	}

	a := &authorization{signature: params["Signature"]}
	scope := strings.Split(params["Credential"], "/")
	if len(scope) != 5 || scope[0] == "" || scope[2] == "" {
		return nil, cognito.IncompleteSignature("Credential must have the form <access key id>/<yyyyMMdd>/<region>/<service>/aws4_request.")
	}
	a.accessKey, a.date, a.region, a.service, a.terminator = scope[0], scope[1], scope[2], scope[3], scope[4]
	if _, err := time.Parse("20060102", a.date); err != nil {
		return nil, cognito.IncompleteSignature("Credential date must be yyyyMMdd.")
	}
	for name := range strings.SplitSeq(params["SignedHeaders"], ";") {
		if name == "" || name != strings.ToLower(name) {
			return nil, cognito.IncompleteSignature("SignedHeaders must be lower-case header names separated by ';'.")
		}
		a.signedHeaders = append(a.signedHeaders, name)
	}
	if b, err := hex.DecodeString(a.signature); err != nil || len(b) != 32 {
		return nil, cognito.IncompleteSignature("Signature must be 64 hexadecimal characters.")
	}
	return a, nil
}

// escapePath percent-encodes every byte outside RFC 3986's unreserved set, keeping '/'.
func escapePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if unreserved(c) || c == '/' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// queryEscape is url.QueryEscape with SigV4's %20 for a space ('+' is already %2B).
func queryEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// squeezeSpaces trims a header value and collapses runs of spaces, as the SDK signers do.
func squeezeSpaces(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	prevSpace := false
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			if prevSpace {
				continue
			}
			prevSpace = true
		} else {
			prevSpace = false
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// clip bounds caller-supplied text echoed in a message.
func clip(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

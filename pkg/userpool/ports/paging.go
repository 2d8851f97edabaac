package ports

import (
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
)

// PageToken seals a store cursor with the operation it belongs to, so tokens are opaque and
// cannot be moved between operations or forged.
func (p *Ports) PageToken(cursor, scope string) string {
	if cursor == "" {
		return ""
	}
	tag := p.MAC("page", scope, cursor)[:12]
	return encodeB64(append(tag, []byte(cursor)...))
}

// OpenPageToken returns the cursor a PageToken of the same scope sealed, or InvalidParameter.
func (p *Ports) OpenPageToken(tok, scope string) (string, error) {
	if tok == "" {
		return "", nil
	}
	raw, err := decodeB64(tok)
	if err != nil || len(raw) < 13 {
		return "", msg.InvalidPageToken()
	}
	cursor := string(raw[12:])
	if !hmacEqual(raw[:12], p.MAC("page", scope, cursor)[:12]) {
		return "", msg.InvalidPageToken()
	}
	return cursor, nil
}

// PageErr is what a caller sees when a page could not be read: a cursor the store refuses is
// an invalid pagination token.
func PageErr(err error) error {
	if errors.Is(err, store.ErrInvalidCursor) {
		return msg.InvalidPageToken()
	}
	return msg.Internal(err)
}

func encodeB64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func decodeB64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func hmacEqual(a, b []byte) bool { return hmac.Equal(a, b) }
